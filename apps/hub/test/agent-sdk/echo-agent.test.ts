import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { createEchoAgent } from '@switchboard/echo-agent';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import {
  BOT,
  eventually,
  nextTs,
  postToHook,
  SIGNING_SECRET,
  slackMessage,
  TEAM,
} from '../support/slack-scenario.js';

const AGENT_SECRET = 'echo-agent-delivery-secret-01';

/**
 * The example agent on a real port. `dropNextAnswers(n)` makes the next n deliveries look lost
 * on the way back (the agent handled them, the hub sees a 503), as a flaky network would.
 */
async function startEchoAgent(hubUrl: string) {
  const agent = createEchoAgent({ secret: AGENT_SECRET, hubUrl });
  let dropped = 0;
  const statuses: number[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await agent.handle({ headers: req.headers, body: Buffer.concat(chunks) });
    const lost = dropped > 0;
    if (lost) dropped--;
    const status = lost ? 503 : answer.status;
    statuses.push(status);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/deliver`,
    statuses,
    dropNextAnswers: (n: number) => {
      dropped = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(testDatabaseKinds())('the echo agent on the SDK, end to end through the hub [%s]', (kind) => {
  let hub: HubFixture;
  let slack: FakeSlack;
  let agent: Awaited<ReturnType<typeof startEchoAgent>>;
  let installationId: string;

  beforeAll(async () => {
    hub = await startHubFixture(kind);
    slack = await startFakeSlack({ teamId: TEAM, botUserId: BOT });
    agent = await startEchoAgent(hub.url);
    // Set up as an operator would: an agent with its delivery secret, a Slack installation, and
    // a workspace member bound to their Slack account.
    const admin = await hub.seedWorkspace('echo');
    const created = await hub.request('POST', '/api/v1/workspaces/echo/agents', {
      token: admin.token,
      body: { name: 'echo', deliveryUrl: agent.url, deliverySecret: AGENT_SECRET },
    });
    expect(created.status).toBe(201);
    const installation = await hub.request('POST', '/api/v1/workspaces/echo/installations', {
      token: admin.token,
      body: {
        agentId: created.body.id,
        channelType: 'slack',
        config: {
          signing_secret: SIGNING_SECRET,
          bot_token: 'xoxb-test-token',
          app_id: 'A0APP0001',
          team_id: TEAM,
          bot_user_id: BOT,
          api_base_url: slack.url,
        },
      },
    });
    expect(installation.status).toBe(201);
    installationId = installation.body.id;
    await hub.runtime.stores.bindings.bind({
      installationId,
      channelType: 'slack',
      channelUserId: 'U0ALICE01',
      userId: admin.userId,
    });
  });
  afterAll(async () => {
    await hub?.close();
    await slack?.close();
    await agent?.close();
  });

  const postsWithText = (text: string) =>
    slack.callsTo('chat.postMessage').filter((call) => call.params.text === text);

  it('answers a Slack DM from a bound member with the same text, in the DM', async () => {
    const dm = slackMessage({ eventId: 'Ev0ECHO001', user: 'U0ALICE01', text: 'hello, echo' });
    expect((await postToHook(hub, installationId, dm)).status).toBe(200);
    const posted = await eventually(() => postsWithText('hello, echo')[0]);
    expect(posted.params).toMatchObject({ channel: 'D0DM00001' });
    expect(posted.params.thread_ts).toBeUndefined();
    expect(agent.statuses).toEqual([200]);
  });

  it('answers a mention in a channel thread inside that thread', async () => {
    const parentTs = nextTs();
    const mention = slackMessage({
      eventId: 'Ev0ECHO002',
      user: 'U0ALICE01',
      channel: 'C0GENERAL1',
      mention: true,
      text: '<@U0BOT0001> café?',
      threadTs: parentTs,
    });
    expect((await postToHook(hub, installationId, mention)).status).toBe(200);
    const posted = await eventually(() => postsWithText('<@U0BOT0001> café?')[0]);
    expect(posted.params).toMatchObject({ channel: 'C0GENERAL1', thread_ts: parentTs });
  });

  it('replies once when the hub redelivers a message whose answer was lost', async () => {
    agent.dropNextAnswers(2);
    const before = agent.statuses.length;
    const dm = slackMessage({ eventId: 'Ev0ECHO003', user: 'U0ALICE01', text: 'say it once' });
    expect((await postToHook(hub, installationId, dm)).status).toBe(200);
    // Delivered three times (two answers lost), handled three times, posted to Slack once.
    await eventually(() => (agent.statuses.slice(before).includes(200) ? true : undefined));
    expect(agent.statuses.slice(before)).toEqual([503, 503, 200]);
    // Each attempt replied with the same idempotency key, so the hub queued one message.
    await eventually(() => postsWithText('say it once')[0]);
    expect(postsWithText('say it once')).toHaveLength(1);
  });

  it('leaves an unbound sender to the hub: no delivery reaches the agent', async () => {
    const before = agent.statuses.length;
    const dm = slackMessage({
      eventId: 'Ev0ECHO004',
      user: 'U0STRANGER',
      channel: 'D0DM00002',
      text: 'who?',
    });
    expect((await postToHook(hub, installationId, dm)).status).toBe(200);
    await eventually(() =>
      slack.callsTo('chat.postMessage').find((call) => call.params.channel === 'D0DM00002'),
    );
    expect(agent.statuses.length).toBe(before);
    expect(postsWithText('who?')).toHaveLength(0);
  });
});
