import { testDatabaseKinds } from '@switchboard/db/testing';
import type { FakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/agent-delivery/signature.js';
import type { FakeAgent } from '../support/fake-agent.js';
import type { HubFixture } from '../support/hub-fixture.js';
import {
  eventually,
  nextTs,
  postToHook,
  type SlackScenario,
  slackMessage,
  startSlackScenario,
} from '../support/slack-scenario.js';

describe.each(testDatabaseKinds())('Slack end to end [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let slack: FakeSlack;
  let agent: FakeAgent;
  let setup: SlackScenario['setup'];

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'e2e');
    ({ hub, slack, agent, setup } = scenario);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  it('binds a new sender through a link, delivers their message, and posts the reply in the thread', async () => {
    // 1. An unbound sender writes in a DM: the hub answers with a binding link, the agent gets nothing.
    const first = await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0E2E0001', user: 'U0ALICE01' }),
    );
    expect(first.status).toBe(200);
    const linkPost = await eventually(() => slack.callsTo('chat.postMessage')[0]);
    expect(linkPost.params.channel).toBe('D0DM00001');
    const token = /token=([A-Za-z0-9_-]+)/.exec(String(linkPost.params.text))?.[1];
    expect(token).toBeDefined();
    expect(agent.deliveries).toHaveLength(0);

    // 2. The workspace member who owns that Slack account redeems the link.
    const redeemed = await hub.request('POST', '/api/v1/binding-tokens/redeem', {
      token: setup.token,
      body: { token },
    });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toEqual({
      workspaceId: setup.workspaceId,
      installationId: setup.installationId,
      channelUserId: 'U0ALICE01',
    });

    // 3. A thread reply in a channel that mentions the bot reaches the agent with the bound user.
    const parentTs = nextTs();
    const mention = slackMessage({
      eventId: 'Ev0E2E0002',
      user: 'U0ALICE01',
      channel: 'C0GENERAL1',
      mention: true,
      text: '<@U0BOT0001> what is the plan? café / naïve',
      threadTs: parentTs,
    });
    expect((await postToHook(hub, setup.installationId, mention)).status).toBe(200);
    const delivery = await eventually(() => agent.deliveries[0]);
    expect(delivery.signatureValid).toBe(true);
    expect(delivery.body).toMatchObject({
      type: 'message',
      installationId: setup.installationId,
      workspaceId: setup.workspaceId,
      channelType: 'slack',
      user: { id: setup.userId },
      message: {
        text: '<@U0BOT0001> what is the plan? café / naïve',
        mentionsBot: true,
        source: { chatId: 'C0GENERAL1', chatType: 'thread', sender: { id: 'U0ALICE01' } },
        reply: { threadId: parentTs },
      },
    });
    expect(delivery.body.message.raw).toBeUndefined();
    expect(delivery.body.id).toBe(delivery.deliveryId);

    // 4. The agent answers through the hub, signed with its delivery secret, into the same thread.
    const reply = JSON.stringify({
      target: { chatId: 'C0GENERAL1', reply: delivery.body.message.reply },
      text: 'Here is the plan.',
      idempotencyKey: `reply-${delivery.deliveryId}`,
    });
    const accepted = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
      raw: reply,
      headers: { 'x-switchboard-signature': signBody(agent.secret, reply) },
    });
    expect(accepted.status).toBe(202);
    const posted = await eventually(() =>
      slack.callsTo('chat.postMessage').find((call) => call.params.text === 'Here is the plan.'),
    );
    expect(posted.params).toMatchObject({ channel: 'C0GENERAL1', thread_ts: parentTs });
    const status = await eventually(async () => {
      const res = await hub.request(
        'GET',
        `/api/v1/installations/${setup.installationId}/messages/${accepted.body.id}`,
        { token: setup.token },
      );
      return res.body.status === 'sent' ? res.body : undefined;
    });
    expect(status.platformMessageId).toMatch(/^\d+\.\d{6}$/);

    // 5. Every decision is in the audit, without message bodies.
    const audit = await hub.request(
      'GET',
      `/api/v1/workspaces/e2e/audit?installationId=${setup.installationId}`,
      {
        token: setup.token,
      },
    );
    expect(audit.body.entries.map((entry: { reason: string }) => entry.reason).sort()).toEqual([
      'delivered',
      'not_bound',
    ]);
    expect(JSON.stringify(audit.body)).not.toContain('plan');
  });

  it('refuses an outbound request that is neither signed by the agent nor authenticated', async () => {
    const body = JSON.stringify({ target: { chatId: 'C0GENERAL1' }, text: 'x', idempotencyKey: 'forged-1' });
    const forged = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
      raw: body,
      headers: { 'x-switchboard-signature': signBody('not-the-secret-at-all', body) },
    });
    expect(forged.status).toBe(401);
    const unsigned = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
      raw: body,
    });
    expect(unsigned.status).toBe(401);
  });

  it('reports the installation runtime status', async () => {
    const res = await hub.request('GET', `/api/v1/workspaces/e2e/installations/${setup.installationId}`, {
      token: setup.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.runtime).toMatchObject({
      connected: false,
      leaseHolder: null,
      inboxBacklog: 0,
      deadLetters: 0,
      reconnectAttempts: 0,
    });
    expect(res.body.runtime.lastInboundAt).not.toBeNull();
    expect(res.body.runtime.lastOutboundAt).not.toBeNull();
  });
});
