import { testDatabaseKinds } from '@switchboard/db/testing';
import { signEchoRequest } from '@switchboard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';

const ECHO_SECRET = 'echo-signing-secret-0001';
const ALL_KINDS = ['message', 'status', 'membership', 'reaction', 'edit', 'delete'];

type AuditRow = { reason: string; userId: string | null; detail: Record<string, unknown> | null };

describe.each(testDatabaseKinds())('event kinds through the pipeline [%s]', (kind) => {
  let hub: HubFixture;
  let agent: FakeAgent;
  let admin: { workspaceId: string; token: string; userId: string };
  let agentId: string;
  let installationId: string;

  beforeAll(async () => {
    hub = await startHubFixture(kind);
    agent = await startFakeAgent();
    admin = await hub.seedWorkspace('events');
    const created = await hub.request('POST', '/api/v1/workspaces/events/agents', {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
    });
    expect(created.status).toBe(201);
    expect(created.body.eventTypes).toEqual(['message']);
    agentId = created.body.id;
    const installation = await hub.request('POST', '/api/v1/workspaces/events/installations', {
      token: admin.token,
      // Its senders are phone numbers: the identity graph can recognise them.
      body: {
        agentId,
        channelType: 'echo',
        config: { signing_secret: ECHO_SECRET, sender_namespace: 'phone' },
      },
    });
    expect(installation.status).toBe(201);
    installationId = installation.body.id;
    await hub.runtime.stores.bindings.bind({
      installationId,
      channelType: 'echo',
      channelUserId: 'bound-user',
      userId: admin.userId,
    });
  });
  afterAll(async () => {
    await hub?.close();
    await agent?.close();
  });

  const post = async (event: Record<string, unknown>) => {
    const raw = JSON.stringify(event);
    const res = await hub.request('POST', `/hooks/${installationId}`, {
      raw,
      headers: { 'content-type': 'application/json', ...signEchoRequest(ECHO_SECRET, raw) },
    });
    expect(res.status).toBe(200);
  };
  /** The audit rows of one event once its terminal decision is recorded. */
  const decided = (eventId: string, workspace = 'events', token = admin.token) =>
    eventually(async () => {
      const res = await hub.request(
        'GET',
        `/api/v1/workspaces/${workspace}/audit?platformEventId=${eventId}`,
        {
          token,
        },
      );
      const rows = (res.body.entries ?? []) as AuditRow[];
      return rows.some((row) => row.reason !== 'resolved') ? rows : undefined;
    });
  const terminal = async (eventId: string) =>
    (await decided(eventId)).find((row) => row.reason !== 'resolved');
  const deliveriesOf = (type: string) => agent.deliveries.filter((d) => d.body.type === type);
  const subscribe = (eventTypes: string[]) =>
    hub.request('PUT', `/api/v1/workspaces/events/agents/${agentId}/event-types`, {
      token: admin.token,
      body: { eventTypes },
    });
  let probes = 0;
  /** Chooses the kinds and waits until the workers see them (they cache agents for a few seconds). */
  const subscribeAndWait = async (eventTypes: string[]) => {
    expect((await subscribe(eventTypes)).status).toBe(200);
    const expected = eventTypes.includes('delete') ? 'delivered' : 'not_subscribed';
    await eventually(async () => {
      const id = `ev-probe-${++probes}`;
      await post({ type: 'delete', id, chatId: 'chat-probe', messageId: 'm-probe' });
      return (await terminal(id))?.reason === expected ? true : undefined;
    });
  };
  const sendOutbound = async (text: string, key: string) => {
    const accepted = await hub.request('POST', `/api/v1/installations/${installationId}/messages`, {
      token: admin.token,
      body: { target: { chatId: 'chat-1' }, text, idempotencyKey: key },
    });
    expect(accepted.status).toBe(202);
    return eventually(async () => {
      const res = await hub.request(
        'GET',
        `/api/v1/installations/${installationId}/messages/${accepted.body.id}`,
        {
          token: admin.token,
        },
      );
      return res.body.status === 'sent' ? res.body : undefined;
    });
  };
  const outbound = async (id: string) =>
    (
      await hub.request('GET', `/api/v1/installations/${installationId}/messages/${id}`, {
        token: admin.token,
      })
    ).body;

  it('delivers only messages until the agent asks for more kinds, and refuses unknown kinds', async () => {
    await post({
      type: 'react',
      id: 'ev-react-0',
      chatId: 'chat-1',
      messageId: 'm-0',
      emoji: 'eyes',
      user: { id: 'bound-user' },
    });
    expect(await terminal('ev-react-0')).toMatchObject({
      reason: 'not_subscribed',
      detail: { kind: 'reaction' },
    });
    expect(deliveriesOf('reaction')).toHaveLength(0);

    const refused = await subscribe(['message', 'typing']);
    expect(refused.status).toBe(400);
    const chosen = await subscribe(ALL_KINDS);
    expect(chosen.status).toBe(200);
    expect(chosen.body.eventTypes).toEqual(ALL_KINDS);
    const listed = await hub.request('GET', '/api/v1/workspaces/events/agents', { token: admin.token });
    expect(listed.body.agents[0].eventTypes).toEqual(ALL_KINDS);
  });

  it('records statuses on the outbound message, never backwards, and delivers them typed', async () => {
    await subscribeAndWait(ALL_KINDS);
    const sent = await sendOutbound('status me', 'status-1');
    expect(sent.deliveryState).toBeNull();
    const messageId = sent.platformMessageId as string;

    await post({ type: 'status', id: 'ev-st-1', messageId, state: 'delivered' });
    expect(await terminal('ev-st-1')).toMatchObject({
      reason: 'delivered',
      detail: { kind: 'status', outboundMessageId: sent.id, stateChanged: true },
    });
    expect((await outbound(sent.id)).deliveryState).toBe('delivered');
    const [status] = deliveriesOf('status');
    expect(status?.signatureValid).toBe(true);
    expect(status?.body).toMatchObject({
      type: 'status',
      installationId,
      workspaceId: admin.workspaceId,
      channelType: 'echo',
      status: { state: 'delivered', platformMessageId: messageId, outboundMessageId: sent.id },
    });

    // A late "sent" (platforms do not promise order) does not move it back.
    await post({ type: 'status', id: 'ev-st-2', messageId, state: 'sent' });
    expect(await terminal('ev-st-2')).toMatchObject({ detail: { stateChanged: false } });
    expect((await outbound(sent.id)).deliveryState).toBe('delivered');
    await post({ type: 'status', id: 'ev-st-3', messageId, state: 'read' });
    await terminal('ev-st-3');
    expect((await outbound(sent.id)).deliveryState).toBe('read');
    await post({ type: 'status', id: 'ev-st-4', messageId, state: 'failed', errorCode: '131047' });
    await terminal('ev-st-4');
    expect(await outbound(sent.id)).toMatchObject({ deliveryState: 'read', deliveryErrorCode: null });

    const failed = await sendOutbound('will fail', 'status-2');
    await post({
      type: 'status',
      id: 'ev-st-5',
      messageId: failed.platformMessageId,
      state: 'failed',
      errorCode: '131026',
    });
    await terminal('ev-st-5');
    expect(await outbound(failed.id)).toMatchObject({ deliveryState: 'failed', deliveryErrorCode: '131026' });
    expect(deliveriesOf('status').at(-1)?.body.status).toMatchObject({
      state: 'failed',
      errorCode: '131026',
    });

    // A status about a message the hub did not send is still reported, without an outbound id.
    await post({ type: 'status', id: 'ev-st-6', messageId: 'not-ours', state: 'read' });
    expect(await terminal('ev-st-6')).toMatchObject({
      reason: 'delivered',
      detail: { outboundMessageId: null },
    });
  });

  it('still records a status the agent does not take', async () => {
    await subscribeAndWait(['message']);
    const sent = await sendOutbound('quiet status', 'status-3');
    await post({ type: 'status', id: 'ev-st-q', messageId: sent.platformMessageId, state: 'read' });
    expect(await terminal('ev-st-q')).toMatchObject({ reason: 'not_subscribed', detail: { kind: 'status' } });
    expect((await outbound(sent.id)).deliveryState).toBe('read');
  });

  it('delivers reactions, edits, deletions and membership typed, with the sender as a hub user', async () => {
    await subscribeAndWait(ALL_KINDS);
    await post({
      type: 'react',
      id: 'ev-react-1',
      chatId: 'chat-1',
      messageId: 'm-1',
      emoji: 'tada',
      user: { id: 'bound-user' },
    });
    await post({
      type: 'edit',
      id: 'ev-edit-1',
      messageId: 'm-1',
      chatId: 'chat-1',
      user: { id: 'bound-user' },
      text: 'fixed',
    });
    await post({ type: 'delete', id: 'ev-del-1', chatId: 'chat-1', messageId: 'm-1' });
    await post({
      type: 'membership',
      id: 'ev-mem-1',
      action: 'bot_added',
      chatId: 'chat-9',
      user: { id: 'echo-bot' },
    });
    for (const id of ['ev-react-1', 'ev-edit-1', 'ev-del-1', 'ev-mem-1']) {
      expect(await terminal(id)).toMatchObject({ reason: 'delivered' });
    }
    const user = { id: admin.userId };
    expect(deliveriesOf('reaction').at(-1)?.body).toMatchObject({
      reaction: {
        action: 'added',
        emoji: 'tada',
        chatId: 'chat-1',
        platformMessageId: 'm-1',
        sender: { id: 'bound-user' },
      },
      user,
    });
    const edit = deliveriesOf('edit').at(-1)?.body;
    expect(edit).toMatchObject({ edit: { message: { platformMessageId: 'm-1', text: 'fixed' } }, user });
    expect(edit.edit.message.raw).toBeUndefined();
    expect(deliveriesOf('delete').at(-1)?.body).toMatchObject({
      delete: { chatId: 'chat-1', platformMessageId: 'm-1' },
    });
    expect(deliveriesOf('membership').at(-1)?.body).toMatchObject({
      membership: { action: 'bot_added', chatId: 'chat-9', member: { id: 'echo-bot', isBot: true } },
    });
  });

  it('does not deliver a reaction or an edit of a sender nobody knows, and offers no link for it', async () => {
    const before = agent.deliveries.length;
    await post({
      type: 'react',
      id: 'ev-react-2',
      chatId: 'chat-1',
      messageId: 'm-1',
      emoji: 'x',
      user: { id: 'stranger' },
    });
    expect(await terminal('ev-react-2')).toMatchObject({ reason: 'not_bound', detail: { kind: 'reaction' } });
    expect(agent.deliveries.length).toBe(before);
  });

  describe('identity resolution', () => {
    it('recognises a sender through a verified phone identity of a member, binds and audits it', async () => {
      const { stores } = hub.runtime;
      const person = await stores.users.create({ username: 'verified-phone' });
      await stores.members.upsert(admin.workspaceId, person.id, 'member');
      await stores.identities.link({
        userId: person.id,
        namespace: 'phone',
        identifier: '+14155552671',
        source: 'directory_verified',
      });
      // The sender id is spelled as the platform spells it; the phone rules make it E.164.
      await post({
        type: 'message',
        id: 'ev-phone-1',
        chatId: 'chat-p',
        user: { id: '+1 415 555 2671' },
        text: 'hi',
      });
      const rows = await decided('ev-phone-1');
      expect(rows.map((row) => row.reason).sort()).toEqual(['delivered', 'resolved']);
      expect(rows.find((row) => row.reason === 'resolved')).toMatchObject({
        userId: person.id,
        detail: { namespace: 'phone', identitySource: 'directory_verified' },
      });
      const delivery = agent.deliveries.find(
        (d) => d.body.message?.text === 'hi' && d.body.message.source.chatId === 'chat-p',
      );
      expect(delivery?.body.user).toEqual({ id: person.id, username: 'verified-phone' });
      expect(await stores.bindings.find(installationId, '+1 415 555 2671')).toMatchObject({
        userId: person.id,
      });
    });

    it("never uses an identity another workspace's admin asserted, even for a member of both", async () => {
      const { stores } = hub.runtime;
      const other = await hub.seedWorkspace('events-other');
      const shared = await stores.users.create({ username: 'in-both' });
      await stores.members.upsert(admin.workspaceId, shared.id, 'member');
      await stores.members.upsert(other.workspaceId, shared.id, 'member');
      const linked = await hub.request(
        'POST',
        `/api/v1/workspaces/events-other/members/${shared.id}/identities`,
        {
          token: other.token,
          body: { namespace: 'phone', identifier: '+14155550123' },
        },
      );
      expect(linked.status).toBe(201);
      await post({
        type: 'message',
        id: 'ev-phone-2',
        chatId: 'chat-q',
        user: { id: '+14155550123' },
        text: 'who am i',
      });
      expect(await terminal('ev-phone-2')).toMatchObject({ reason: 'not_bound' });
      expect((await decided('ev-phone-2')).some((row) => row.reason === 'resolved')).toBe(false);
      expect(await stores.bindings.find(installationId, '+14155550123')).toBeNull();

      // The same assertion made by this workspace's own admin does count.
      const own = await hub.request('POST', `/api/v1/workspaces/events/members/${shared.id}/identities`, {
        token: admin.token,
        body: { namespace: 'phone', identifier: '+14155550123' },
      });
      expect(own.status).toBe(201);
      await post({
        type: 'message',
        id: 'ev-phone-3',
        chatId: 'chat-q',
        user: { id: '+14155550123' },
        text: 'me again',
      });
      expect(await terminal('ev-phone-3')).toMatchObject({ reason: 'delivered', userId: shared.id });
    });

    it('never replaces an existing binding with what the identity graph says', async () => {
      const { stores } = hub.runtime;
      const owner = await stores.users.create({ username: 'phone-owner' });
      await stores.members.upsert(admin.workspaceId, owner.id, 'member');
      await stores.identities.link({
        userId: owner.id,
        namespace: 'phone',
        identifier: '+14155550199',
        source: 'directory_verified',
      });
      await stores.bindings.bind({
        installationId,
        channelType: 'echo',
        channelUserId: '+14155550199',
        userId: admin.userId,
      });
      await post({
        type: 'message',
        id: 'ev-phone-4',
        chatId: 'chat-r',
        user: { id: '+14155550199' },
        text: 'bound',
      });
      expect(await terminal('ev-phone-4')).toMatchObject({ reason: 'delivered', userId: admin.userId });
      expect(await stores.bindings.find(installationId, '+14155550199')).toMatchObject({
        userId: admin.userId,
      });
    });
  });
});
