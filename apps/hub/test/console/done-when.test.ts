import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBodySignature } from '../../src/agent-delivery/signature.js';
import { type HubProcess, runCli, startHubProcess } from '../support/hub-process.js';
import { eventually } from '../support/slack-scenario.js';
import {
  expectAccessible,
  launchChromium,
  NO_BROWSER_REASON,
  newContext,
  runBrowserSuite,
  screenshot,
  submit,
} from './browser.js';

const TEAM = 'T0DONEWHN';
const APP = 'A0DONEWHN';
const BOT_TOKEN = 'xoxb-done-when-bot';
const APP_TOKEN = 'xapp-done-when-app';
const ALICE_SLACK = 'U0ALICE01';

/** A port nobody listens on now, so the hub can be started as the README says, on PORT. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The user's agent: it checks the hub's signature with the secret the console showed once. */
function startAgent() {
  const state = {
    secret: '',
    deliveries: [] as Array<{ valid: boolean; body: { message?: { text?: string } } }>,
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const signature = req.headers['x-switchboard-signature'];
    const valid = verifyBodySignature(
      state.secret,
      typeof signature === 'string' ? signature : undefined,
      raw,
    );
    state.deliveries.push({ valid, body: JSON.parse(raw.toString('utf8')) });
    res.writeHead(valid ? 200 : 401, { 'content-type': 'application/json' }).end('{}');
  });
  return { server, state };
}

let ts = 0;
/** A DM as Slack pushes it over Socket Mode (an `event_callback` body). */
function directMessage(eventId: string, text: string) {
  ts++;
  const at = `${1_760_000_000 + ts}.000100`;
  return {
    type: 'event_callback',
    team_id: TEAM,
    api_app_id: APP,
    event_id: eventId,
    event_time: 1_760_000_000 + ts,
    event: {
      type: 'message',
      channel_type: 'im',
      channel: 'D0ALICE01',
      user: ALICE_SLACK,
      text,
      ts: at,
      event_ts: at,
      team: TEAM,
    },
  };
}

/**
 * The "done when", in a browser: a new user runs the README's first command (the hub on
 * PGlite in an empty folder), follows the steps it prints to a one-time sign-in link, signs in,
 * adds an agent and installs a Slack app from the form (against a fake Slack, Socket Mode), sees it
 * connected, binds their own Slack account with the code the bot sent, and sees their first
 * message counted in the home page's chart. No curl, no API token typed anywhere.
 */
describe.runIf(runBrowserSuite)(
  'done when: from `switchboard start` to the first message in the chart',
  () => {
    let dataDir: string;
    let env: NodeJS.ProcessEnv;
    let hub: HubProcess | undefined;
    let slack: FakeSlack;
    let agent: ReturnType<typeof startAgent>;
    let agentUrl: string;
    let browser: Browser;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'sb-console-done-'));
      env = {
        ...process.env,
        SWITCHBOARD_DATA_DIR: join(dataDir, '.switchboard'),
        PORT: String(await freePort()),
        LOG_LEVEL: 'info',
      };
      for (const key of [
        'DATABASE_URL',
        'SWITCHBOARD_SECRET_KEY',
        'SWITCHBOARD_TOKEN',
        'SWITCHBOARD_URL',
        'SWITCHBOARD_PUBLIC_URL',
        'SWITCHBOARD_PLUGINS',
      ]) {
        delete env[key];
      }
      slack = await startFakeSlack({
        botTokens: [BOT_TOKEN],
        appTokens: [APP_TOKEN],
        teamId: TEAM,
        appId: APP,
        botUserId: 'U0DWBOT01',
      });
      agent = startAgent();
      agent.server.listen(0, '127.0.0.1');
      await once(agent.server, 'listening');
      agentUrl = `http://127.0.0.1:${(agent.server.address() as AddressInfo).port}/`;
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      if (hub && hub.child.exitCode === null) {
        hub.child.kill('SIGTERM');
        await once(hub.child, 'exit');
      }
      agent?.server.closeAllConnections();
      agent?.server.close();
      await slack?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('signs in with the printed link, installs Slack from the form, and counts the first message', {
      timeout: 300_000,
    }, async () => {
      // README step 1: `npx switchboard start`, on PGlite in an empty folder.
      hub = await startHubProcess([], env);
      const consoleUrl = `${hub.url}/console`;
      await eventually(
        () => (hub?.output().includes('First run, in a second shell') ? true : undefined),
        30_000,
      );
      const banner = hub.output();
      expect(banner).toContain(`Switchboard is running. Console: ${consoleUrl}`);
      expect(banner).toContain('npx switchboard login-link --user alice');

      // The steps the banner prints, in a second shell.
      const workspace = await runCli(['workspace', 'create', 'acme', '--name', 'Acme'], env);
      expect(workspace.code, workspace.stderr).toBe(0);
      const admin = await runCli(
        ['admin', 'create', '--workspace', 'acme', '--username', 'alice', '--email', 'alice@acme.test'],
        env,
      );
      expect(admin.code, admin.stderr).toBe(0);
      const printed = await runCli(['login-link', '--user', 'alice'], env);
      expect(printed.code, printed.stderr).toBe(0);
      const link = printed.stdout.match(/(http:\/\/\S+\/console\/sign-in\/link\?token=sbl_\S+)/)?.[1];
      expect(link, printed.stdout).toBeDefined();
      expect(link?.startsWith(`${consoleUrl}/`)).toBe(true);

      // Open the printed link: one click, signed in.
      const page = await (await newContext(browser)).newPage();
      await page.goto(link ?? '');
      await submit(page, 'Continue to the console');
      expect(new URL(page.url()).pathname).toBe('/console/account');
      await page.goto(consoleUrl);
      expect(new URL(page.url()).pathname).toBe('/console/w/acme/installations');
      await screenshot(page, 'done-when-1-signed-in');
      await expectAccessible(page);

      // The agent the hub delivers to, added in the console; its secret is shown once.
      await page.getByRole('link', { name: 'Agents' }).click();
      await page.getByLabel('Name').fill('echo');
      await page.getByLabel('Delivery URL').fill(agentUrl);
      await submit(page, 'Add agent');
      agent.state.secret = await page.getByLabel('Delivery secret').inputValue();
      expect(agent.state.secret.length).toBeGreaterThanOrEqual(32);

      // Slack from the schema form, in Socket Mode (no public URL needed, as the README says).
      await page.getByRole('link', { name: 'Installations' }).click();
      await page.getByRole('link', { name: 'Slack' }).click();
      await page.waitForURL(/type=slack/);
      await page.getByLabel('signing secret').fill('done-when-signing-secret');
      await page.getByLabel('bot token').fill(BOT_TOKEN);
      await page.getByLabel('app token').fill(APP_TOKEN);
      await page.getByLabel('mode').selectOption('socket');
      await page.getByLabel('api base url').fill(slack.url);
      await screenshot(page, 'done-when-2-install-form');
      await submit(page, 'Install Slack');
      await expect(page.getByRole('status').first().textContent()).resolves.toContain('Slack is installed');
      const installationId = new URL(page.url()).pathname.split('/').at(-1) ?? '';

      // Connected, on the home page's live table.
      await page.goto(consoleUrl);
      const row = page.locator(`tr[data-installation="${installationId}"]`);
      await row.locator('.state', { hasText: 'connected' }).waitFor({ timeout: 30_000 });
      await slack.waitForSocketConnections(1, 30_000);
      await expect(page.locator('#traffic-summary').textContent()).resolves.toContain('0 received');
      await screenshot(page, 'done-when-3-connected');

      // Alice writes to the bot; she is not bound yet, so the bot answers with a one-time link.
      await slack.pushEvent(directMessage('Ev0DONE001', 'hello'), { timeoutMs: 15_000 });
      const botLink = await eventually(
        () =>
          [...slack.messages.values()]
            .map((m) => m.text ?? '')
            .find((text) => text.includes('?token='))
            ?.match(/(https?:\/\/\S+\?token=\S+)/)?.[1],
        30_000,
      );
      // She pastes it under My links, signed in: her Slack account is bound to her.
      await page.getByRole('link', { name: 'My links' }).click();
      await page.getByLabel('One-time code from the bot').fill(botLink);
      await submit(page, 'Connect');
      await expect(
        page.getByRole('table', { name: 'Chat accounts bound to you' }).textContent(),
      ).resolves.toContain(ALICE_SLACK);

      // Her next message reaches the agent, as her.
      await slack.pushEvent(directMessage('Ev0DONE002', 'my first message'), { timeoutMs: 15_000 });
      const delivery = await eventually(() => agent.state.deliveries.find((d) => d.valid), 30_000);
      expect(delivery.body.message?.text).toBe('my first message');

      // The home page's chart counts it: read the numbers the chart drew.
      await page.goto(consoleUrl);
      const chart = page.locator('canvas#traffic-chart[data-loaded="true"]');
      await chart.waitFor({ timeout: 15_000 });
      // Sums of what Chart.js holds for each line (the page's own Chart instance, read in the page).
      const drawn = async () =>
        (await page.evaluate(`(() => {
        const chart = Chart.getChart(document.getElementById('traffic-chart'));
        return Object.fromEntries(
          chart.data.datasets.map((d) => [d.label, d.data.reduce((sum, p) => sum + p.y, 0)]),
        );
      })()`)) as Record<string, number>;
      await expect.poll(drawn, { timeout: 20_000 }).toEqual({ received: 2, delivered: 1 });
      await expect(page.locator('#traffic-summary').textContent()).resolves.toContain(
        '2 received, 1 delivered',
      );
      await screenshot(page, 'done-when-4-first-message-in-chart');
      await expectAccessible(page);
    });
  },
);

if (!runBrowserSuite) {
  describe('done when: from `switchboard start` to the first message in the chart', () => {
    it.skip(NO_BROWSER_REASON, () => {});
  });
}
