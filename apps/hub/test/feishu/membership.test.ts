import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import {
  APP_ID,
  APP_SECRET,
  BOT,
  decided,
  eventually,
  feishuRegistry,
  installFeishu,
  OTHER_TENANT,
  TENANT,
} from './feishu-support.js';

const TOKEN = 'feishu-verification-token-02';

/** Membership and reaction events through the pipeline, tenant-filtered like messages. */
describe.each(testDatabaseKinds())('Feishu membership and reactions [%s]', (kind) => {
  let hub: HubFixture;
  let feishu: FakeFeishu;
  let agent: FakeAgent;
  let setup: Awaited<ReturnType<typeof installFeishu>>;
  const post = (body: unknown) =>
    hub.request('POST', `/hooks/${setup.installationId}`, {
      raw: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const event = (eventId: string, eventType: string, body: Record<string, unknown>, tenant = TENANT) => ({
    schema: '2.0',
    header: {
      event_id: eventId,
      event_type: eventType,
      app_id: APP_ID,
      tenant_key: tenant,
      create_time: String(Date.now()),
      token: TOKEN,
    },
    event: body,
  });

  beforeAll(async () => {
    hub = await startHubFixture(kind, { registry: feishuRegistry() });
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    agent = await startFakeAgent();
    feishu.users.set('ou_joiner', {
      open_id: 'ou_joiner',
      union_id: 'on_joiner',
      name: 'Joiner',
      email: 'joiner@acme.test',
    });
    setup = await installFeishu(hub, feishu, agent, 'fsjoin', { mode: 'webhook', verification_token: TOKEN });
    const subscribed = await hub.request(
      'PUT',
      `/api/v1/workspaces/fsjoin/agents/${setup.agentId}/event-types`,
      {
        token: setup.token,
        body: { eventTypes: ['message', 'membership', 'reaction'] },
      },
    );
    expect(subscribed.status).toBe(200);
  });
  afterAll(async () => {
    await hub?.close();
    await feishu?.close();
    await agent?.close();
  });

  it('provisions a member who joins a chat, with auto_provision on', async () => {
    const joined = event('ev_join_1', 'im.chat.member.user.added_v1', {
      chat_id: 'oc_team',
      operator_id: { open_id: 'ou_admin' },
      users: [
        { name: 'Joiner', tenant_key: TENANT, user_id: { open_id: 'ou_joiner', union_id: 'on_joiner' } },
      ],
    });
    expect((await post(joined)).status).toBe(200);
    const rows = await decided(hub, 'fsjoin', setup.token, 'ev_join_1:ou_joiner');
    expect(rows.map((row) => row.reason).sort()).toEqual(['delivered', 'provisioned']);
    const identity = await hub.runtime.stores.identities.find('feishu_union', 'on_joiner');
    expect(await hub.runtime.stores.members.find(setup.workspaceId, identity.userId)).toBeTruthy();
    const delivery = await eventually(() => agent.deliveries.find((d) => d.body.type === 'membership'));
    expect(delivery.body.membership).toMatchObject({
      action: 'member_joined',
      chatId: 'oc_team',
      member: { id: 'ou_joiner' },
    });
  });

  it('refuses a reaction and a membership event of another tenant', async () => {
    await post(
      event(
        'ev_react_other',
        'im.message.reaction.created_v1',
        {
          message_id: 'om_1',
          reaction_type: { emoji_type: 'OK' },
          operator_type: 'user',
          user_id: { open_id: 'ou_joiner' },
        },
        OTHER_TENANT,
      ),
    );
    expect((await decided(hub, 'fsjoin', setup.token, 'ev_react_other')).map((row) => row.reason)).toContain(
      'wrong_tenant',
    );
    await post(
      event(
        'ev_join_other',
        'im.chat.member.user.added_v1',
        { chat_id: 'oc_x', users: [{ tenant_key: OTHER_TENANT, user_id: { open_id: 'ou_stranger' } }] },
        OTHER_TENANT,
      ),
    );
    expect(
      (await decided(hub, 'fsjoin', setup.token, 'ev_join_other:ou_stranger')).map((row) => row.reason),
    ).toContain('wrong_tenant');
    expect(agent.deliveries.some((d) => d.body.type === 'reaction')).toBe(false);
  });
});
