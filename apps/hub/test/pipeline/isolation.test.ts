import {
  type Capabilities,
  Capability,
  type Channel,
  type ChannelFactory,
  capabilities,
  Registry,
} from '@switchboard/core';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { createEchoChannelFactory, type EchoChannel, signEchoRequest } from '@switchboard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';

const ECHO_SECRET = 'echo-signing-secret-0001';

/** A platform adapter with bugs: its webhook parser throws, its sends never answer. */
function faultyFactory(): ChannelFactory<{ name: string }> {
  return {
    type: 'faulty',
    displayName: 'Faulty',
    configSchema: z.object({ name: z.string() }),
    create: (): Channel => ({
      type: 'faulty',
      capabilities: (): Capabilities => capabilities(Capability.Text, Capability.Webhook),
      connect: async () => {},
      disconnect: async () => {},
      send: () => new Promise(() => {}),
      webhook: {
        verify: () => ({ ok: true }),
        parse: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'event')");
        },
      },
    }),
  };
}

describe.each(testDatabaseKinds())('failure isolation [%s]', (kind) => {
  let hub: HubFixture;
  let agent: FakeAgent;
  let token: string;
  let echoId: string;
  let faultyId: string;

  beforeAll(async () => {
    const registry = new Registry().register(createEchoChannelFactory()).register(faultyFactory());
    hub = await startHubFixture(kind, {
      registry,
      pipeline: { outbound: { timeoutMs: 200, maxAttempts: 2, backoff: { baseMs: 10, maxMs: 20 } } },
    });
    agent = await startFakeAgent();
    const admin = await hub.seedWorkspace('isolation');
    token = admin.token;
    const agentId = (
      await hub.request('POST', '/api/v1/workspaces/isolation/agents', {
        token,
        body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
      })
    ).body.id;
    const install = async (channelType: string, config: Record<string, unknown>) =>
      (
        await hub.request('POST', '/api/v1/workspaces/isolation/installations', {
          token,
          body: { agentId, channelType, config },
        })
      ).body.id as string;
    faultyId = await install('faulty', { name: 'buggy' });
    echoId = await install('echo', { signing_secret: ECHO_SECRET });
    await hub.runtime.stores.bindings.bind({
      installationId: echoId,
      channelType: 'echo',
      channelUserId: 'echo-user',
      userId: admin.userId,
    });
  });
  afterAll(async () => {
    await hub?.close();
    await agent?.close();
  });

  it('a throwing adapter fails only its own request; other installations keep working', async () => {
    const broken = await hub.request('POST', `/hooks/${faultyId}`, { raw: '{"type":"anything"}' });
    expect(broken.status).toBe(500);
    expect(broken.body.error.code).toBe('adapter_failed');

    const body = JSON.stringify({
      type: 'message',
      id: 'echo-1',
      chatId: 'chat-1',
      user: { id: 'echo-user' },
      text: 'fine',
    });
    const ok = await hub.request('POST', `/hooks/${echoId}`, {
      raw: body,
      headers: { ...signEchoRequest(ECHO_SECRET, body) },
    });
    expect(ok.status).toBe(200);
    await eventually(() => agent.deliveries.find((d) => d.body.message.text === 'fine'));
    expect((await hub.request('GET', '/healthz')).status).toBe(200);
  });

  it('a platform that never answers holds up only its own installation', async () => {
    const hung = await hub.request('POST', `/api/v1/installations/${faultyId}/messages`, {
      token,
      body: { target: { chatId: 'x' }, text: 'into the void', idempotencyKey: 'hang-1' },
    });
    expect(hung.status).toBe(202);
    const fine = await hub.request('POST', `/api/v1/installations/${echoId}/messages`, {
      token,
      body: { target: { chatId: 'chat-1' }, text: 'still sent', idempotencyKey: 'fine-1' },
    });
    expect(fine.status).toBe(202);
    const lookup = await hub.pipeline.channels.lookup(echoId);
    if (lookup.status !== 'active') throw new Error('echo installation should be active');
    const echo = lookup.installation.channel as EchoChannel;
    await eventually(() => echo.sent.find((sent) => sent.message.text === 'still sent'));
    const failed = await eventually(async () => {
      const res = await hub.request('GET', `/api/v1/installations/${faultyId}/messages/${hung.body.id}`, {
        token,
      });
      return res.body.status === 'failed' ? res.body : undefined;
    });
    expect(failed.lastError).toContain('did not answer');
  });
});
