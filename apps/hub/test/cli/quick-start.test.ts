import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeSlack, signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody, verifyBodySignature } from '../../src/agent-delivery/signature.js';
import { type HubProcess, startHubProcess, runCli as switchboard } from '../support/hub-process.js';
import { eventually } from '../support/slack-scenario.js';

/** Runs a command that must succeed and answers its --json output. */
async function json(args: string[], env: NodeJS.ProcessEnv): Promise<any> {
  const result = await switchboard([...args, '--json'], env);
  expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
}

const BOT_TOKEN = 'xoxb-quick-start-bot';
const SIGNING_SECRET = 'quick-start-signing-secret';

/**
 * The smallest agent: it checks the hub's signature on each delivery and answers every message
 * through the hub's reply API, signed with the same delivery secret.
 */
function startEchoAgent(hubUrl: () => string, secret: () => string) {
  const deliveries: any[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const signature = req.headers['x-switchboard-signature'];
    if (!verifyBodySignature(secret(), typeof signature === 'string' ? signature : undefined, raw)) {
      res.writeHead(401).end();
      return;
    }
    const delivery = JSON.parse(raw.toString('utf8'));
    deliveries.push(delivery);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const reply = JSON.stringify({
      target: { chatId: delivery.message.source.chatId },
      text: `echo: ${delivery.message.text}`,
      idempotencyKey: `reply-${delivery.id}`,
    });
    await fetch(`${hubUrl()}/api/v1/installations/${delivery.installationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(secret(), reply) },
      body: reply,
    });
  });
  return { server, deliveries };
}

describe('the README quick start, in the order it is written', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let slack: FakeSlack;
  let agent: ReturnType<typeof startEchoAgent>;
  let agentUrl: string;
  let hub: HubProcess | undefined;
  let deliverySecret = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sb-quick-start-'));
    env = { ...process.env, SWITCHBOARD_DATA_DIR: join(dataDir, '.switchboard'), LOG_LEVEL: 'info' };
    for (const key of ['DATABASE_URL', 'SWITCHBOARD_SECRET_KEY', 'SWITCHBOARD_TOKEN', 'SWITCHBOARD_URL']) {
      delete env[key];
    }
    slack = await startFakeSlack({ botTokens: [BOT_TOKEN], teamId: 'T0QUICK01', botUserId: 'U0QBOT001' });
    slack.users.set('U0ALICE01', {
      id: 'U0ALICE01',
      team_id: 'T0QUICK01',
      profile: { email: 'alice@acme.test', display_name: 'Alice' },
    });
    agent = startEchoAgent(
      () => hub?.url ?? '',
      () => deliverySecret,
    );
    agent.server.listen(0, '127.0.0.1');
    await once(agent.server, 'listening');
    agentUrl = `http://127.0.0.1:${(agent.server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    if (hub && hub.child.exitCode === null) {
      hub.child.kill('SIGTERM');
      await once(hub.child, 'exit');
    }
    agent.server.closeAllConnections();
    agent.server.close();
    await slack.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('goes from an empty folder to a Slack DM answered by the agent, with the hub running throughout', {
    timeout: 300_000,
  }, async () => {
    // 1. switchboard start (its own shell; embedded PGlite in .switchboard/)
    const starting = startHubProcess(['--port', '0'], env);
    // 2. switchboard workspace create acme --name "Acme", typed while the hub is still migrating:
    // the command waits for it rather than touching the database beside it.
    await eventually(() => stat(join(dataDir, '.switchboard', 'owner.lock')).catch(() => undefined), 60_000);
    const workspace = json(['workspace', 'create', 'acme', '--name', 'Acme'], env);
    hub = await starting;
    expect(await workspace).toMatchObject({ slug: 'acme' });
    expect(hub.output()).toContain('SWITCHBOARD_SECRET_KEY is not set');
    expect((await stat(join(dataDir, '.switchboard', 'operator.json'))).mode & 0o777).toBe(0o600);

    // A second process on the same data folder is refused, naming the owner.
    const second = await switchboard(['start', '--port', '0'], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`the hub (pid ${hub.child.pid}) owns .switchboard`);
    expect(second.stderr).toContain(`--url ${hub.url}`);

    // 3. switchboard admin create --workspace acme --username ops --email ops@acme.test
    const admin = await json(
      ['admin', 'create', '--workspace', 'acme', '--username', 'ops', '--email', 'ops@acme.test'],
      env,
    );
    // 4. export SWITCHBOARD_TOKEN=sb_…
    const asAdmin = { ...env, SWITCHBOARD_TOKEN: admin.token as string };

    // 5. switchboard agent create --name echo --delivery-url http://127.0.0.1:3000/
    const created = await json(['agent', 'create', '--name', 'echo', '--delivery-url', agentUrl], asAdmin);
    deliverySecret = created.deliverySecret;
    expect(deliverySecret.length).toBeGreaterThanOrEqual(32);

    // A bad bot token is refused with Slack's own error before anything is stored.
    const refused = await switchboard(
      [
        'installation',
        'create',
        '--agent',
        'echo',
        '--type',
        'slack',
        '--set',
        `signing_secret=${SIGNING_SECRET}`,
        '--set',
        'bot_token=xoxb-not-a-real-token',
        '--set',
        `api_base_url=${slack.url}`,
      ],
      asAdmin,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('invalid_auth');
    expect(refused.stderr).toContain('422 config_rejected');
    // A camelCase key is named, with the key that was meant.
    const typo = await switchboard(
      [
        'installation',
        'create',
        '--agent',
        'echo',
        '--type',
        'slack',
        '--set',
        `signingSecret=${SIGNING_SECRET}`,
      ],
      asAdmin,
    );
    expect(typo.stderr).toContain('did you mean signing_secret?');

    // 6. switchboard installation create --agent echo --type slack --set signing_secret=… --set bot_token=xoxb-… --set auto_provision=true
    const installation = await json(
      [
        'installation',
        'create',
        '--agent',
        'echo',
        '--type',
        'slack',
        '--set',
        `signing_secret=${SIGNING_SECRET}`,
        '--set',
        `bot_token=${BOT_TOKEN}`,
        '--set',
        'auto_provision=true',
        '--set',
        `api_base_url=${slack.url}`,
      ],
      asAdmin,
    );
    // auth.test and bots.info filled in what used to be typed by hand.
    expect(installation.config).toMatchObject({
      team_id: 'T0QUICK01',
      bot_user_id: 'U0QBOT001',
      app_id: 'A0FAKEAPP',
      auto_provision: true,
    });
    expect(installation.secretsSet).toEqual(['bot_token', 'signing_secret']);
    expect(installation.webhookUrl).toBe(`${hub.url}/hooks/${installation.id}`);

    // Slack delivers a DM to the webhook, signed.
    const event = JSON.stringify({
      type: 'event_callback',
      team_id: 'T0QUICK01',
      api_app_id: 'A0FAKEAPP',
      event_id: 'Ev0QUICK01',
      event_time: 1_760_000_000,
      event: {
        type: 'message',
        channel_type: 'im',
        channel: 'D0QUICK01',
        user: 'U0ALICE01',
        text: 'hello hub',
        ts: '1760000000.000100',
        event_ts: '1760000000.000100',
        team: 'T0QUICK01',
      },
    });
    const posted = await fetch(installation.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, event) },
      body: event,
    });
    expect(posted.status).toBe(200);

    // The agent gets it, answers, and the answer reaches Slack.
    const delivery = await eventually(() => agent.deliveries[0], 60_000);
    expect(delivery.message.text).toBe('hello hub');
    const sent = await eventually(() => slack.callsTo('chat.postMessage')[0], 60_000);
    expect(sent.params).toMatchObject({ channel: 'D0QUICK01', text: 'echo: hello hub' });

    // Status and the audit trail are a command away.
    const status = await json(['installation', 'status', installation.id], asAdmin);
    expect(status.runtime.inboxBacklog).toBe(0);
    const audit = await json(['audit', 'tail'], asAdmin);
    expect(audit.items.map((entry: { reason: string }) => entry.reason)).toContain('delivered');

    // Stopped, the hub leaves nothing behind; the commands then run on the database themselves,
    // and everything the running hub wrote is there (the two never shared the folder).
    hub.child.kill('SIGTERM');
    await once(hub.child, 'exit');
    await expect(stat(join(dataDir, '.switchboard', 'operator.json'))).rejects.toThrow();
    const agents = await json(['agent', 'list'], asAdmin);
    expect(agents.items.map((a: { name: string }) => a.name)).toEqual(['echo']);
    const installations = await json(['installation', 'list'], asAdmin);
    expect(installations.items).toHaveLength(1);
  });
});
