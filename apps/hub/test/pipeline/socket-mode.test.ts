import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually, slackMessage } from '../support/slack-scenario.js';

describe.each(testDatabaseKinds())('Slack Socket Mode through the hub [%s]', (kind) => {
  let hub: HubFixture;
  let slack: FakeSlack;
  let agent: FakeAgent;
  let token: string;
  let installationId: string;

  beforeAll(async () => {
    hub = await startHubFixture(kind, { connections: { leaseTtlMs: 3_000, scanEveryMs: 100 } });
    slack = await startFakeSlack({ teamId: 'T0TEAM001', botUserId: 'U0BOT0001' });
    agent = await startFakeAgent();
    const admin = await hub.seedWorkspace('socket');
    token = admin.token;
    const agentId = (
      await hub.request('POST', '/api/v1/workspaces/socket/agents', {
        token,
        body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
      })
    ).body.id;
    const created = await hub.request('POST', '/api/v1/workspaces/socket/installations', {
      token,
      body: {
        agentId,
        channelType: 'slack',
        config: {
          mode: 'socket',
          signing_secret: 'unused-in-socket-mode',
          bot_token: 'xoxb-socket',
          app_token: 'xapp-1-socket',
          app_id: 'A0SOCKET1',
          team_id: 'T0TEAM001',
          bot_user_id: 'U0BOT0001',
          api_base_url: slack.url,
        },
      },
    });
    expect(created.status).toBe(201);
    installationId = created.body.id;
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

  it('connects under a lease, acks an event after recording it, and delivers it once', async () => {
    await slack.waitForSocketConnections(1, 15_000);
    const status = await eventually(async () => {
      const res = await hub.request('GET', `/api/v1/workspaces/socket/installations/${installationId}`, {
        token,
      });
      return res.body.runtime.connected ? res.body.runtime : undefined;
    });
    expect(status).toMatchObject({ connected: true, connectionState: 'connected' });
    // An opaque replica id, never the host name and pid of the process.
    expect(status.leaseHolder).toMatch(/^replica-[0-9a-f]{12}$/);

    const payload = slackMessage({
      eventId: 'Ev0SOCKET1',
      user: 'U0ALICE01',
      text: 'over the socket',
      appId: 'A0SOCKET1',
    });
    const ack = await slack.pushEvent(payload);
    expect(ack.envelopeId).toEqual(expect.any(String));
    // The ack came after the commit: the event is already in the inbox.
    expect(
      await hub.runtime.database.prisma.channelInboundMessageDedup.count({
        where: { platformEventId: 'Ev0SOCKET1' },
      }),
    ).toBe(1);
    // Slack redelivers the same envelope: recorded once, delivered once.
    await slack.pushEvent(payload, { retryAttempt: 1, retryReason: 'timeout' });
    await eventually(() => agent.deliveries.find((d) => d.body.message.text === 'over the socket'));
    const reasons = await eventually(async () => {
      const res = await hub.request('GET', '/api/v1/workspaces/socket/audit?platformEventId=Ev0SOCKET1', {
        token,
      });
      return res.body.entries.length === 2
        ? res.body.entries.map((e: { reason: string }) => e.reason).sort()
        : undefined;
    });
    expect(reasons).toEqual(['delivered', 'duplicate']);
    expect(agent.deliveries.filter((d) => d.body.message.text === 'over the socket')).toHaveLength(1);
  });

  it('disconnects when the installation is revoked', async () => {
    const revoked = await hub.request('DELETE', `/api/v1/workspaces/socket/installations/${installationId}`, {
      token,
    });
    expect(revoked.status).toBe(200);
    await eventually(() => (slack.socketConnections() === 0 ? true : undefined));
  });
});
