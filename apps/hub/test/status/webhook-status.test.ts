import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeEchoPlatform, startFakeEchoPlatform } from '@switchboard/testkit/fakes/echo';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_CHAT_APP, appChatBatch, appChatRegistry, postAppBatch } from '../support/app-chat.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

const wait = { timeout: 15_000, interval: 25 };

/** A webhook installation's status: written from its traffic, read back through the API. */
describe.each(testDatabaseKinds())('installation status of a webhook installation [%s]', (kind) => {
  let hub: HubFixture;
  let platform: FakeEchoPlatform;
  let token: string;
  let installationId: string;

  beforeAll(async () => {
    platform = await startFakeEchoPlatform();
    hub = await startHubFixture(kind, { registry: appChatRegistry(), statusIntervalMs: 50 });
    ({ token } = await hub.seedWorkspace('status-ws'));
    const agent = await hub.request('POST', '/api/v1/workspaces/status-ws/agents', {
      token,
      body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/deliver' },
    });
    const created = await hub.request('POST', '/api/v1/workspaces/status-ws/installations', {
      token,
      body: {
        agentId: agent.body.id,
        channelType: 'app-chat',
        config: { ...APP_CHAT_APP, phone_number_id: 'pn-status', api_base_url: platform.url },
      },
    });
    expect(created.status, created.text).toBe(201);
    installationId = created.body.id;
  });
  afterAll(async () => {
    await hub?.close();
    await platform?.close();
  });

  const status = async () => {
    const res = await hub.request(
      'GET',
      `/api/v1/workspaces/status-ws/installations/${installationId}/status`,
      {
        token,
      },
    );
    expect(res.status).toBe(200);
    return res.body.runtime;
  };

  it('has no report before any traffic', async () => {
    expect(await status()).toMatchObject({ reportedBy: null, connectionState: null, lastInboundAt: null });
  });

  it('reports the last inbound event and the last sent message', async () => {
    expect((await postAppBatch(hub, appChatBatch({ 'pn-status': ['st-1'] }))).status).toBe(200);
    await vi.waitFor(async () => {
      expect(await status()).toMatchObject({
        reportedBy: expect.stringMatching(/^replica-/),
        connectionState: 'webhook',
        lastInboundAt: expect.any(String),
      });
    }, wait);
    const sent = await hub.request('POST', `/api/v1/installations/${installationId}/messages`, {
      token,
      body: { target: { chatId: '4915112345678' }, text: 'hello back', idempotencyKey: 'status-reply-1' },
    });
    expect(sent.status, sent.text).toBe(202);
    await vi.waitFor(async () => {
      expect((await status()).lastOutboundAt).toEqual(expect.any(String));
    }, wait);
    // The sent message reached the status row too, not only the outbound table.
    await vi.waitFor(async () => {
      const row = await hub.runtime.stores.installationStatus.get(installationId);
      expect(row?.lastOutboundAt).toBeInstanceOf(Date);
      expect(row?.state).toBe('webhook');
    }, wait);
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect(
      (await hub.request('GET', '/api/v1/workspaces/status-ws/installations/nope/status', { token })).status,
    ).toBe(400);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (await hub.request('GET', `/api/v1/workspaces/status-ws/installations/${unknown}/status`, { token }))
        .status,
    ).toBe(404);
  });
});
