import { signEchoRequest } from '@switchboard/testkit';
import { type FakeGithub, startFakeGithub } from '@switchboard/testkit/fakes/github';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubTestRegistry } from '../accounts/github-plugin.js';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { eventually } from '../support/slack-scenario.js';
import {
  expectAccessible,
  launchChromium,
  NO_BROWSER_REASON,
  newContext,
  runBrowserSuite,
  screenshot,
} from './browser.js';
import { type ConsoleFixture, PASSWORD, startConsoleFixture } from './console-fixture.js';

const SECRET = 'echo-signing-secret';
const GITHUB_TOKEN = 'github_pat_console_admin';
const MESSAGES = 3;

interface MessageActivity {
  minutes: Array<{ installationId: string; inbound: number; delivered: number }>;
}
interface ReasonActivity {
  reasons: Array<{ reason: string; count: number }>;
}

async function submit(page: Page, name: string | RegExp, scope = page.locator('main')): Promise<void> {
  await Promise.all([page.waitForNavigation(), scope.getByRole('button', { name }).first().click()]);
}

/** A JSON endpoint of the console, fetched by the page itself (its session cookie, its origin). */
async function consoleJson<T>(page: Page, path: string): Promise<{ status: number; body: T }> {
  const answer = await page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    return { status: response.status, body: (await response.json()) as unknown };
  }, path);
  return answer as { status: number; body: T };
}

/**
 * The console's Activity and People pages in Chromium: the charts after real deliveries (their
 * JSON matching what was sent), outbound replies with their delivery reports, the audit filters,
 * linking a member's phone, platform access through an account installation (the fake GitHub),
 * and a plain member kept out of all of it.
 */
describe.runIf(runBrowserSuite)('console activity and people in Chromium', () => {
  let fx: ConsoleFixture;
  let agent: FakeAgent;
  let github: FakeGithub;
  let browser: Browser;
  let page: Page;
  let installationId: string;
  let provisionerId: string;

  const postEvent = async (event: Record<string, unknown>) => {
    const raw = JSON.stringify(event);
    const res = await fx.hub.request('POST', `/hooks/${installationId}`, {
      raw,
      headers: { 'content-type': 'application/json', ...signEchoRequest(SECRET, raw) },
    });
    expect(res.status, res.text).toBe(200);
  };
  const audit = async (query: string) =>
    (await fx.hub.request('GET', `/api/v1/workspaces/acme/audit?${query}`, { token: fx.owner.token })).body
      .items as Array<{ reason: string; platformEventId: string | null }>;

  beforeAll(async () => {
    github = await startFakeGithub({
      org: { login: 'acme', plan: 'team' },
      tokens: { [GITHUB_TOKEN]: 'admin' },
      users: [{ login: 'mo-codes', id: 301, email: 'mo@acme.test' }],
      teams: ['backend', 'infra'],
    });
    fx = await startConsoleFixture('pglite', { registry: githubTestRegistry() });
    agent = await startFakeAgent();
    const created = await fx.hub.request('POST', '/api/v1/workspaces/acme/agents', {
      token: fx.owner.token,
      body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
    });
    expect(created.status, created.text).toBe(201);
    const installation = await fx.hub.request('POST', '/api/v1/workspaces/acme/installations', {
      token: fx.owner.token,
      body: { agentId: created.body.id, channelType: 'echo', config: { signing_secret: SECRET } },
    });
    expect(installation.status, installation.text).toBe(201);
    installationId = installation.body.id;
    await fx.hub.runtime.stores.bindings.bind({
      installationId,
      channelType: 'echo',
      channelUserId: 'u1',
      userId: fx.owner.userId,
    });
    const provisioner = await fx.hub.request('POST', '/api/v1/workspaces/acme/installations', {
      token: fx.owner.token,
      body: {
        channelType: 'github-invite',
        config: { org: 'acme', token: GITHUB_TOKEN, webhook_secret: 'hook-secret', api_base_url: github.url },
      },
    });
    expect(provisioner.status, provisioner.text).toBe(201);
    provisionerId = provisioner.body.id;

    browser = await launchChromium();
    page = await (await newContext(browser)).newPage();
    await page.goto(`${fx.hub.url}/console`);
    await page.getByLabel('Username').fill(fx.owner.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await submit(page, 'Sign in', page.locator('body'));
  });
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    await agent?.close();
    await github?.close();
  });

  it('charts the messages delivered, with JSON that counts exactly what was sent', async () => {
    for (let i = 1; i <= MESSAGES; i++) {
      await postEvent({
        type: 'message',
        id: `evt-act-${i}`,
        chatId: 'c1',
        user: { id: 'u1' },
        text: `hi ${i}`,
      });
    }
    await eventually(async () => ((await audit('reason=delivered')).length === MESSAGES ? true : undefined));

    await page.goto(`${fx.hub.url}/console/w/acme/activity`);
    await page.locator('#messages-chart[data-loaded="true"]').waitFor();
    await page.locator('#reasons-chart[data-loaded="true"]').waitFor();
    // Chart.js drew into the canvases (a canvas it owns has a chart instance).
    expect(await page.evaluate("Chart.getChart('messages-chart').data.datasets.length")).toBe(2);
    expect(await page.evaluate("Chart.getChart('reasons-chart').data.labels")).toContain('delivered');

    const messages = await consoleJson<MessageActivity>(
      page,
      '/console/w/acme/activity/messages.json?window=1h',
    );
    expect(messages.status).toBe(200);
    const mine = messages.body.minutes.filter((m) => m.installationId === installationId);
    expect(mine.reduce((sum, m) => sum + m.inbound, 0)).toBe(MESSAGES);
    expect(mine.reduce((sum, m) => sum + m.delivered, 0)).toBe(MESSAGES);
    const reasons = await consoleJson<ReasonActivity>(page, '/console/w/acme/activity/reasons.json');
    expect(reasons.body.reasons).toContainEqual({ reason: 'delivered', count: MESSAGES });
    // The table beside the chart says the same.
    const row = page.locator(`tr[data-installation="${installationId}"] td`);
    await expect(row.allTextContents()).resolves.toEqual([expect.stringContaining('echo'), '3', '3']);
    await screenshot(page, 'activity');
    await expectAccessible(page);

    await page.getByLabel('Period').selectOption('24h');
    await submit(page, 'Show');
    await page.locator('#messages-chart[data-loaded="true"]').waitFor();
    const day = await consoleJson<MessageActivity>(page, '/console/w/acme/activity/messages.json?window=24h');
    expect(day.body.minutes.reduce((sum, m) => sum + m.delivered, 0)).toBe(MESSAGES);
  });

  it('lists replies with their status and the platform’s delivery report, filtered', async () => {
    const send = async (key: string) => {
      const accepted = await fx.hub.request('POST', `/api/v1/installations/${installationId}/messages`, {
        token: fx.owner.token,
        body: { target: { chatId: `chat-${key}` }, text: `reply ${key}`, idempotencyKey: key },
      });
      expect(accepted.status, accepted.text).toBe(202);
      return eventually(async () => {
        const res = await fx.hub.request(
          'GET',
          `/api/v1/installations/${installationId}/messages/${accepted.body.id}`,
          { token: fx.owner.token },
        );
        return res.body.status === 'sent'
          ? (res.body as { id: string; platformMessageId: string })
          : undefined;
      });
    };
    const read = await send('reply-read');
    const failed = await send('reply-failed');
    await postEvent({ type: 'status', id: 'st-1', messageId: read.platformMessageId, state: 'read' });
    await postEvent({
      type: 'status',
      id: 'st-2',
      messageId: failed.platformMessageId,
      state: 'failed',
      errorCode: '131026',
    });
    await eventually(async () => ((await audit('platformEventId=st-2')).length > 0 ? true : undefined));

    await page.goto(`${fx.hub.url}/console/w/acme/outbound`);
    const readRow = page.locator(`tr[data-message="${read.id}"]`);
    await expect(readRow.textContent()).resolves.toMatch(/chat-reply-read.*sent.*read/);
    const failedRow = page.locator(`tr[data-message="${failed.id}"]`);
    await expect(failedRow.textContent()).resolves.toMatch(/chat-reply-failed.*sent.*failed.*131026/);
    await screenshot(page, 'outbound');
    await expectAccessible(page);

    await page.getByLabel('Status').selectOption('failed');
    await submit(page, 'Filter');
    await expect(
      page.locator('table[aria-label="Outbound messages"] tbody').textContent(),
    ).resolves.toContain('No outbound messages match');
    await page.getByLabel('Status').selectOption('sent');
    await page.getByLabel('Installation').selectOption(installationId);
    await submit(page, 'Filter');
    expect(await page.locator('tr[data-message]').count()).toBe(2);
  });

  it('filters the audit log by event id, reason, user and time range, with paging', async () => {
    // More decisions than a page holds.
    await fx.hub.runtime.stores.audit.record(
      Array.from({ length: 60 }, (_, i) => ({
        reason: 'not_bound' as const,
        installationId,
        workspaceId: fx.workspace.id,
        channelType: 'echo',
        platformEventId: `evt-unbound-${i}`,
        channelUserId: 'stranger',
      })),
    );
    await page.goto(`${fx.hub.url}/console/w/acme/audit`);
    const rows = page.locator('table[aria-label="Audit log"] tbody tr');
    expect(await rows.count()).toBe(50);
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Older entries' }).click()]);
    const older = await rows.allTextContents();
    expect(older.length).toBeGreaterThan(0);
    expect(older.join('\n')).toContain('evt-act-1');

    await page.goto(`${fx.hub.url}/console/w/acme/audit`);
    await page.getByLabel('Event id').fill('evt-act-2');
    await submit(page, 'Filter');
    await expect(rows.allTextContents()).resolves.toEqual([
      expect.stringMatching(/delivered.*evt-act-2.*olivia/),
    ]);

    await page.getByLabel('Event id').fill('');
    await page.getByLabel('Reason').selectOption('delivered');
    await page.getByLabel('User').selectOption({ label: fx.owner.username });
    await submit(page, 'Filter');
    const delivered = await rows.allTextContents();
    expect(delivered.length).toBeGreaterThanOrEqual(MESSAGES);
    for (const text of delivered) expect(text).toMatch(/delivered.*olivia/);

    // A range that ended long ago holds none of them; one that began long ago holds them all.
    await page.getByLabel('Until (UTC)').fill('2001-01-01T00:00');
    await submit(page, 'Filter');
    await expect(rows.first().textContent()).resolves.toContain('Nothing matches');
    await page.getByLabel('Until (UTC)').fill('');
    await page.getByLabel('From (UTC)').fill('2001-01-01T00:00');
    await submit(page, 'Filter');
    expect(await rows.count()).toBe(delivered.length);
    await screenshot(page, 'audit-filters');
    await expectAccessible(page);
  });

  it('links a member’s phone: an invalid number is refused beside the field, a valid one is linked', async () => {
    await page.goto(`${fx.hub.url}/console/w/acme/members`);
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('link', { name: fx.member.username }).click(),
    ]);
    expect(new URL(page.url()).pathname).toBe(`/console/w/acme/members/${fx.member.userId}`);

    await page.getByLabel('Phone number').fill('12345');
    await submit(page, 'Link phone');
    const phone = page.getByLabel('Phone number');
    await expect(phone.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#phone-error').textContent()).resolves.toMatch(/phone/i);
    await expect(phone.inputValue()).resolves.toBe('12345');
    await screenshot(page, 'member-phone-invalid');
    await expectAccessible(page);

    await phone.fill('+1 415 555 2671');
    await submit(page, 'Link phone');
    await expect(page.getByRole('status').textContent()).resolves.toContain('The phone number is linked');
    const identity = page.getByRole('row', { name: /\+14155552671/ });
    await expect(identity.textContent()).resolves.toContain('not verified (linked by an admin)');
    const linked = await fx.hub.request(
      'GET',
      `/api/v1/workspaces/acme/members/${fx.member.userId}/identities`,
      {
        token: fx.owner.token,
      },
    );
    expect(linked.body.items).toContainEqual(
      expect.objectContaining({ namespace: 'phone', identifier: '+14155552671', source: 'admin' }),
    );
    await screenshot(page, 'member-phone-linked');
    await expectAccessible(page);

    // The same form posted without the page's CSRF token changes nothing.
    const forged = await page.evaluate(async (url) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'phone=%2B14155552672',
      });
      return response.status;
    }, `/console/w/acme/members/${fx.member.userId}/identities/phone`);
    expect(forged).toBe(403);
  });

  it('grants platform access with teams and shows the pending invitation with its age', async () => {
    await page.goto(`${fx.hub.url}/console/w/acme/members/${fx.member.userId}`);
    const form = page.locator('form', { has: page.getByRole('heading', { name: /Grant access/ }) });
    await expect(form.getByRole('heading').textContent()).resolves.toContain(provisionerId.slice(0, 8));
    await form.getByLabel('Account name on the platform').fill('mo-codes');
    await form.getByLabel(/Teams/).fill('backend, infra');
    await submit(page, 'Grant access', form);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Access requested');
    const invitation = github.invitations.find((i) => i.login === 'mo-codes');
    expect(invitation).toBeDefined();
    const row = page.getByRole('row', { name: /mo-codes/ });
    await expect(row.textContent()).resolves.toMatch(/invitation pending.*backend, infra.*\d+ s ago/);
    await screenshot(page, 'member-access');
    await expectAccessible(page);

    await Promise.all([page.waitForNavigation(), row.getByRole('button', { name: 'Cancel' }).click()]);
    await expect(page.getByRole('status').textContent()).resolves.toContain('canceled');
    await expect(page.getByRole('row', { name: /mo-codes/ }).textContent()).resolves.toContain('canceled');
    expect(github.invitations.find((i) => i.login === 'mo-codes')).toBeUndefined();
  });

  it('keeps a plain member out of the activity, outbound and member pages and their data', async () => {
    const context = await newContext(browser);
    const memberPage = await context.newPage();
    await memberPage.goto(`${fx.hub.url}/console`);
    await memberPage.getByLabel('Username').fill(fx.member.username);
    await memberPage.getByLabel('Password').fill(PASSWORD);
    await submit(memberPage, 'Sign in', memberPage.locator('body'));
    expect(new URL(memberPage.url()).pathname).toBe('/console/w/acme/me');
    const nav = memberPage.getByRole('navigation', { name: 'Workspace' });
    await expect(nav.textContent()).resolves.not.toMatch(/Activity|Outbound|Members|Audit/);
    // Their own phone shows, as an admin linked it and not yet proven.
    await expect(memberPage.getByRole('row', { name: /\+14155552671/ }).textContent()).resolves.toContain(
      'not verified',
    );

    for (const path of ['activity', 'outbound', 'audit', `members/${fx.member.userId}`]) {
      const answer = await memberPage.goto(`${fx.hub.url}/console/w/acme/${path}`);
      expect({ path, status: answer?.status() }).toEqual({ path, status: 403 });
      await expect(memberPage.locator('main').textContent()).resolves.toContain('owners and admins');
    }
    await screenshot(memberPage, 'member-refused');
    await expectAccessible(memberPage);
    for (const path of ['activity/messages.json', 'activity/reasons.json']) {
      const answer = await consoleJson<{ error: { code: string } }>(memberPage, `/console/w/acme/${path}`);
      expect({ path, status: answer.status, body: answer.body }).toEqual({
        path,
        status: 403,
        body: { error: expect.objectContaining({ code: 'forbidden' }) },
      });
    }
    // The public pages for people without a session lead to the console's sign-in.
    await memberPage.goto(`${fx.hub.url}/invite#an-invitation-code`);
    await expect(memberPage.getByLabel('Invitation token').inputValue()).resolves.toBe('an-invitation-code');
    await expect(
      memberPage.getByRole('link', { name: 'Accept in the console instead' }).getAttribute('href'),
    ).resolves.toBe('/console/invite#an-invitation-code');
    await expect(
      memberPage.getByRole('link', { name: 'Sign in to the console' }).getAttribute('href'),
    ).resolves.toBe('/console/sign-in');
    await screenshot(memberPage, 'public-invite');
    await expectAccessible(memberPage);
    await memberPage.goto(`${fx.hub.url}/link?token=a-link-token`);
    await expect(
      memberPage.getByRole('link', { name: 'Sign in to the console' }).getAttribute('href'),
    ).resolves.toBe('/console/sign-in');
    await screenshot(memberPage, 'public-link');
    await expectAccessible(memberPage);
    // Signed out, the data answers 401 and nothing else.
    const signedOut = await fetch(`${fx.hub.url}/console/w/acme/activity/messages.json`);
    expect(signedOut.status).toBe(401);
    await context.close();
  });
});

// Without Chromium (and without REQUIRE_BROWSER=1) the suite shows as one skip that names why.
if (!runBrowserSuite) {
  describe('console activity and people in Chromium', () => {
    it.skip(NO_BROWSER_REASON, () => {});
  });
}
