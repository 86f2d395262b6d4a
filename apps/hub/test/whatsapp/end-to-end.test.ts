import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';
import { agentSignature, postWhatsApp, WA_APP, whatsappRegistry } from './support.js';

const PHONE_NUMBER_ID = '106540352242922';
const MEMBER_WA_ID = '4915123456789';

/**
 * The issue's "done when": a WhatsApp number connected through the admin API, a member's phone
 * linked and verified, the member's message reaching the agent as the member, the agent's reply
 * delivered and read back as `read`.
 */
describe.each(testDatabaseKinds())('WhatsApp end to end [%s]', (kind) => {
  let hub: HubFixture;
  let fake: FakeWhatsApp;
  let agent: FakeAgent;
  let admin: { token: string; workspaceId: string; userId: string };
  let member: { id: string; token: string };
  let installationId: string;
  let wamids = 0;
  const wamid = () => `wamid.HBgLNDkxNTEyMzQ1Njc4ORUCABIYFjNFQjA${++wamids}`;
  const slug = 'wa-e2e';

  const audit = (eventId: string) =>
    eventually(async () => {
      const res = await hub.request(
        'GET',
        `/api/v1/workspaces/${slug}/audit?platformEventId=${encodeURIComponent(eventId)}`,
        {
          token: admin.token,
        },
      );
      const rows = res.body.entries as Array<{ reason: string; userId?: string | null; detail?: unknown }>;
      return rows.some((r) => !['accepted', 'resolved'].includes(r.reason)) ? rows : undefined;
    });
  const outboundRecord = (id: string) =>
    hub.request('GET', `/api/v1/installations/${installationId}/messages/${id}`, { token: admin.token });
  const sentTo = (recipient: string) => [...fake.messages.values()].filter((m) => m.recipient === recipient);

  beforeAll(async () => {
    fake = await startFakeWhatsApp({
      accessToken: WA_APP.access_token,
      phoneNumbers: { [PHONE_NUMBER_ID]: { displayPhoneNumber: '+49 30 1234567' } },
    });
    agent = await startFakeAgent();
    hub = await startHubFixture(kind, { registry: whatsappRegistry() });
    admin = await hub.seedWorkspace(slug);
    const user = await hub.runtime.stores.users.create({ username: 'anna' });
    await hub.runtime.stores.members.upsert(admin.workspaceId, user.id, 'member');
    const issued = await hub.runtime.stores.apiTokens.issue({
      userId: user.id,
      workspaceId: admin.workspaceId,
    });
    member = { id: user.id, token: issued.token };
  });
  afterAll(async () => {
    await hub?.close();
    await agent?.close();
    await fake?.close();
  });

  it('connects a number through the admin API at the app callback URL', async () => {
    const createdAgent = await hub.request('POST', `/api/v1/workspaces/${slug}/agents`, {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
    });
    expect(createdAgent.status).toBe(201);
    // The token is checked with Meta before anything is stored.
    const mistyped = await hub.request('POST', `/api/v1/workspaces/${slug}/installations`, {
      token: admin.token,
      body: {
        agentId: createdAgent.body.id,
        channelType: 'whatsapp',
        config: {
          ...WA_APP,
          access_token: 'EAAG-not-the-token',
          phone_number_id: PHONE_NUMBER_ID,
          api_base_url: fake.url,
        },
      },
    });
    expect(mistyped.status, mistyped.text).toBe(422);
    expect(mistyped.body.error).toMatchObject({ code: 'config_rejected', details: { platformError: '190' } });
    expect(mistyped.text).not.toContain('EAAG-not-the-token');
    const created = await hub.request('POST', `/api/v1/workspaces/${slug}/installations`, {
      token: admin.token,
      body: {
        agentId: createdAgent.body.id,
        channelType: 'whatsapp',
        config: { ...WA_APP, phone_number_id: PHONE_NUMBER_ID, api_base_url: fake.url },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.webhookUrl).toMatch(new RegExp(`/hooks/app/whatsapp/${WA_APP.app_id}$`));
    expect(JSON.stringify(created.body)).not.toContain(WA_APP.access_token);
    expect(created.body.config.display_phone_number).toBe('+49 30 1234567');
    installationId = created.body.id;

    const challenge = (token: string) =>
      hub.request(
        'GET',
        `/hooks/app/whatsapp/${WA_APP.app_id}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`,
      );
    const ok = await challenge(WA_APP.verify_token);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('1158201444');
    const wrong = await challenge('not-the-verify-token');
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('bad_token');
    const noChallenge = await hub.request(
      'GET',
      `/hooks/app/whatsapp/${WA_APP.app_id}?hub.mode=subscribe&hub.verify_token=${WA_APP.verify_token}`,
    );
    expect(noChallenge.status).toBe(403);
    // A forged POST signature is still a 401: only the subscription check asks for 403.
  });

  it('links a phone (with its JID) and reports invalid_phone and no_member', async () => {
    const link = (userId: string, identifier: string) =>
      hub.request('POST', `/api/v1/workspaces/${slug}/members/${userId}/identities`, {
        token: admin.token,
        body: { namespace: 'phone', identifier },
      });
    const linked = await link(member.id, '+49 151 23456789');
    expect(linked.status, linked.text).toBe(201);
    expect(
      linked.body.identities.map(
        (i: { namespace: string; identifier: string }) => `${i.namespace}:${i.identifier}`,
      ),
    ).toEqual(['phone:+4915123456789', `wa_jid:${MEMBER_WA_ID}@s.whatsapp.net`]);
    expect((await link(member.id, '+4915123456789')).status).toBe(200);
    const invalid = await link(member.id, '12');
    expect(invalid.status).toBe(422);
    expect(invalid.body.outcome).toBe('invalid_phone');
    const stranger = await hub.runtime.stores.users.create({ username: 'not-a-member' });
    const noMember = await link(stranger.id, '+4915123456780');
    expect(noMember.status).toBe(422);
    expect(noMember.body.outcome).toBe('no_member');
  });

  it('does not route the linked but unverified phone as the member', async () => {
    const id = wamid();
    const res = await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [{ id, from: MEMBER_WA_ID, text: 'before' }] },
    ]);
    expect(res.status, res.text).toBe(200);
    const rows = await audit(id);
    expect(rows.map((r) => r.reason)).toContain('not_bound');
    expect(rows.some((r) => r.reason === 'resolved')).toBe(false);
    // The sender is offered a binding link instead, on WhatsApp, to the wa_id that wrote.
    const link = await eventually(() =>
      sentTo(MEMBER_WA_ID).find((m) => JSON.stringify(m.body).includes('token=')),
    );
    expect(link.body).toMatchObject({ messaging_product: 'whatsapp', to: MEMBER_WA_ID, type: 'text' });
    expect(agent.deliveries).toHaveLength(0);
  });

  it('verifies the phone with a one-time code sent over WhatsApp, entered by the member only', async () => {
    const started = await hub.request(
      'POST',
      `/api/v1/workspaces/${slug}/members/${member.id}/identities/verification`,
      {
        token: admin.token,
        body: { namespace: 'phone', identifier: '+4915123456789', installationId },
      },
    );
    expect(started.status, started.text).toBe(202);
    expect(started.body.outcome).toBe('code_sent');
    const refused = (identifier: string) =>
      hub.request('POST', `/api/v1/workspaces/${slug}/members/${member.id}/identities/verification`, {
        token: admin.token,
        body: { namespace: 'phone', identifier, installationId },
      });
    expect((await refused('+4915123456711')).body.outcome).toBe('not_linked');
    expect((await refused('12')).body.outcome).toBe('invalid_phone');
    const codeMessage = await eventually(() =>
      sentTo(MEMBER_WA_ID).find((m) => /verification code is \d{6}/.test(JSON.stringify(m.body))),
    );
    const code = /code is (\d{6})/.exec(JSON.stringify(codeMessage.body))?.[1] as string;
    const again = await hub.request(
      'POST',
      `/api/v1/workspaces/${slug}/members/${member.id}/identities/verification`,
      {
        token: admin.token,
        body: { namespace: 'phone', identifier: '+4915123456789', installationId },
      },
    );
    expect(again.status).toBe(429);

    const confirm = (token: string, value: string) =>
      hub.request('POST', `/api/v1/workspaces/${slug}/members/${member.id}/identities/verification/confirm`, {
        token,
        body: { namespace: 'phone', identifier: '+49 151 23456789', code: value },
      });
    expect((await confirm(admin.token, code)).status).toBe(403);
    const wrong = await confirm(member.token, code === '000000' ? '111111' : '000000');
    expect(wrong.status).toBe(422);
    expect(wrong.body.outcome).toBe('wrong_code');
    const verified = await confirm(member.token, code);
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.outcome).toBe('verified');
    expect((await confirm(member.token, code)).body.outcome).toBe('no_code');

    const listed = await hub.request('GET', `/api/v1/workspaces/${slug}/members/${member.id}/identities`, {
      token: admin.token,
    });
    const sources = listed.body.identities.map(
      (i: { namespace: string; source: string }) => `${i.namespace}:${i.source}`,
    );
    expect(sources).toEqual(expect.arrayContaining(['phone:admin', 'phone:self', 'wa_jid:self']));
  });

  it("delivers the member's message to the agent as the member, and the reply reads back as read", async () => {
    const id = wamid();
    // Non-ASCII text: Meta signs the escaped-unicode form of what it sends.
    const res = await postWhatsApp(hub, [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        messages: [{ id, from: MEMBER_WA_ID, name: 'Anna', text: 'Grüße 👋, wie geht’s?' }],
      },
    ]);
    expect(res.status, res.text).toBe(200);
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.platformMessageId === id),
    );
    expect(delivery.signatureValid).toBe(true);
    expect(delivery.body).toMatchObject({
      type: 'message',
      channelType: 'whatsapp',
      installationId,
      user: { id: member.id, username: 'anna' },
      message: {
        text: 'Grüße 👋, wie geht’s?',
        source: { chatId: MEMBER_WA_ID, sender: { id: MEMBER_WA_ID } },
      },
    });
    const rows = await audit(id);
    expect(rows.find((r) => r.reason === 'resolved')?.detail).toMatchObject({ identitySource: 'self' });

    const reply = JSON.stringify({
      target: { chatId: MEMBER_WA_ID, reply: { replyToMessageId: id } },
      text: 'Gut, danke!',
      idempotencyKey: `reply-${delivery.deliveryId}`,
    });
    const accepted = await hub.request('POST', `/api/v1/installations/${installationId}/messages`, {
      raw: reply,
      headers: {
        'content-type': 'application/json',
        'x-switchboard-signature': agentSignature(agent.secret, reply),
      },
    });
    expect(accepted.status, accepted.text).toBe(202);
    const sent = await eventually(async () => {
      const record = await outboundRecord(accepted.body.id);
      return record.body.status === 'sent' ? record.body : undefined;
    });
    expect(fake.messages.get(sent.platformMessageId)?.body).toMatchObject({
      to: MEMBER_WA_ID,
      text: { body: 'Gut, danke!' },
      context: { message_id: id },
    });

    // Statuses arrive late and out of order: read before delivered, sent last. Read stands.
    const statuses = await fake.deliverStatuses(`${hub.url}/hooks/app/whatsapp/${WA_APP.app_id}`, {
      appSecret: WA_APP.app_secret,
      phoneNumberId: PHONE_NUMBER_ID,
      messageId: sent.platformMessageId,
      states: ['read', 'delivered', 'sent'],
    });
    expect(statuses.status).toBe(200);
    await eventually(async () => ((await audit(`${sent.platformMessageId}:sent`)) ? true : undefined));
    const read = await eventually(async () => {
      const record = await outboundRecord(accepted.body.id);
      return record.body.deliveryState === 'read' ? record.body : undefined;
    });
    expect(read.deliveryState).toBe('read');
    await audit(`${sent.platformMessageId}:delivered`);
    expect((await outboundRecord(accepted.body.id)).body.deliveryState).toBe('read');
  });

  it("proves a linked phone by the member's message after they redeemed a binding link", async () => {
    const { stores } = hub.runtime;
    const ben = await stores.users.create({ username: 'ben' });
    await stores.members.upsert(admin.workspaceId, ben.id, 'member');
    const benToken = (await stores.apiTokens.issue({ userId: ben.id, workspaceId: admin.workspaceId })).token;
    const benWaId = '4915123456700';
    const linked = await hub.request('POST', `/api/v1/workspaces/${slug}/members/${ben.id}/identities`, {
      token: admin.token,
      body: { namespace: 'phone', identifier: `+${benWaId}` },
    });
    expect(linked.status, linked.text).toBe(201);
    const first = wamid();
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [{ id: first, from: benWaId, text: 'hi' }] },
    ]);
    expect((await audit(first)).map((r) => r.reason)).toContain('not_bound');
    const linkMessage = await eventually(() =>
      sentTo(benWaId).find((m) => JSON.stringify(m.body).includes('token=')),
    );
    const token = /token=([A-Za-z0-9_-]+)/.exec(JSON.stringify(linkMessage.body))?.[1];
    const redeemed = await hub.request('POST', '/api/v1/binding-tokens/redeem', {
      token: benToken,
      body: { token },
    });
    expect(redeemed.status, redeemed.text).toBe(200);

    const second = wamid();
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [{ id: second, from: benWaId, text: 'me' }] },
    ]);
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.platformMessageId === second),
    );
    expect(delivery.body.user).toEqual({ id: ben.id, username: 'ben' });
    const listed = await hub.request('GET', `/api/v1/workspaces/${slug}/members/${ben.id}/identities`, {
      token: admin.token,
    });
    const sources = listed.body.identities.map(
      (i: { namespace: string; source: string }) => `${i.namespace}:${i.source}`,
    );
    expect(sources).toEqual(expect.arrayContaining(['phone:self', 'wa_jid:self']));
    // Nothing Ben was not linked to is proven by his message.
    expect(listed.body.identities).toHaveLength(4);
  });

  it('routes a Brazilian member written with and without the ninth digit as the same person', async () => {
    const { stores } = hub.runtime;
    const caio = await stores.users.create({ username: 'caio' });
    await stores.members.upsert(admin.workspaceId, caio.id, 'member');
    const caioToken = (await stores.apiTokens.issue({ userId: caio.id, workspaceId: admin.workspaceId }))
      .token;
    const linked = await hub.request('POST', `/api/v1/workspaces/${slug}/members/${caio.id}/identities`, {
      token: admin.token,
      body: { namespace: 'phone', identifier: '+55 11 98765-4321' },
    });
    expect(linked.body.identities.map((i: { identifier: string }) => i.identifier)).toEqual([
      '+5511987654321',
      '5511987654321@s.whatsapp.net',
      '551187654321@s.whatsapp.net',
    ]);
    // An old account's wa_id lacks the ninth digit: it binds through a link, which proves the phone.
    const oldForm = '551187654321';
    const first = wamid();
    await postWhatsApp(hub, [{ phoneNumberId: PHONE_NUMBER_ID, messages: [{ id: first, from: oldForm }] }]);
    const linkMessage = await eventually(() =>
      sentTo(oldForm).find((m) => JSON.stringify(m.body).includes('token=')),
    );
    const token = /token=([A-Za-z0-9_-]+)/.exec(JSON.stringify(linkMessage.body))?.[1];
    expect(
      (await hub.request('POST', '/api/v1/binding-tokens/redeem', { token: caioToken, body: { token } }))
        .status,
    ).toBe(200);
    const second = wamid();
    await postWhatsApp(hub, [{ phoneNumberId: PHONE_NUMBER_ID, messages: [{ id: second, from: oldForm }] }]);
    await eventually(() => agent.deliveries.find((d) => d.body.message?.platformMessageId === second));
    // The nine-digit form has no binding of its own: the proven identity names the member.
    const third = wamid();
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [{ id: third, from: '5511987654321' }] },
    ]);
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.platformMessageId === third),
    );
    expect(delivery.body.user).toEqual({ id: caio.id, username: 'caio' });
    expect((await audit(third)).find((r) => r.reason === 'resolved')?.detail).toMatchObject({
      identitySource: 'self',
    });
  });

  it('delivers the good messages of a batch and audits the malformed one', async () => {
    const good = wamid();
    const bad = wamid();
    const res = await postWhatsApp(hub, [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        messages: [
          {
            id: bad,
            raw: { id: bad, from: MEMBER_WA_ID, timestamp: 'yesterday', type: 'text', text: { body: 'x' } },
          },
          { id: good, from: MEMBER_WA_ID, text: 'still here' },
        ],
      },
    ]);
    expect(res.status, res.text).toBe(200);
    await eventually(() => agent.deliveries.find((d) => d.body.message?.platformMessageId === good));
    const rows = await audit(bad);
    expect(rows.map((r) => r.reason)).toContain('unsupported_event');
    expect(JSON.stringify(rows)).toContain('malformed message');
  });

  it('records a message delivered twice, a day apart, once', async () => {
    const id = wamid();
    const batch = [{ phoneNumberId: PHONE_NUMBER_ID, messages: [{ id, from: MEMBER_WA_ID, text: 'once' }] }];
    expect((await postWhatsApp(hub, batch)).status).toBe(200);
    await eventually(() => agent.deliveries.find((d) => d.body.message?.platformMessageId === id));
    expect((await postWhatsApp(hub, batch)).status).toBe(200);
    const rows = await audit(id);
    expect(rows.map((r) => r.reason)).toContain('duplicate');

    // A day and more later (Meta retries for up to 7 days), past the hub's default 24 h dedup
    // horizon: the WhatsApp plugin's redelivery window keeps the record through the purge.
    const { prisma } = hub.runtime.database;
    const aged = await prisma.channelInboundMessageDedup.updateMany({
      where: { platformEventId: id },
      data: { firstSeenAt: new Date(Date.now() - 2 * 24 * 3_600_000) },
    });
    expect(aged.count).toBe(1);
    await hub.pipeline.retention.runOnce();
    expect(await prisma.channelInboundMessageDedup.count({ where: { platformEventId: id } })).toBe(1);
    expect((await postWhatsApp(hub, batch)).status).toBe(200);
    await eventually(async () => {
      const again = await audit(id);
      return again.filter((r) => r.reason === 'duplicate').length >= 2 ? true : undefined;
    });
    expect(agent.deliveries.filter((d) => d.body.message?.platformMessageId === id)).toHaveLength(1);
  });

  it('refuses forged and tampered deliveries and counts an unknown phone_number_id without storing it', async () => {
    const id = wamid();
    const forged = await postWhatsApp(
      hub,
      [{ phoneNumberId: PHONE_NUMBER_ID, messages: [{ id, from: MEMBER_WA_ID }] }],
      {
        secret: 'another-apps-secret-0000',
      },
    );
    expect(forged.status).toBe(401);
    const before = await hub.database.db.prisma.channelInboundMessageDedup.count();
    const unknown = await postWhatsApp(hub, [
      { phoneNumberId: '999999999999999', messages: [{ id: wamid(), from: MEMBER_WA_ID }] },
    ]);
    expect(unknown.status).toBe(200);
    expect(await hub.database.db.prisma.channelInboundMessageDedup.count()).toBe(before);
    const metrics = await hub.request('GET', '/metrics');
    expect(metrics.text).toMatch(
      /switchboard_app_route_refused_targets_total\{reason="unknown_target"\} [1-9]/,
    );
  });

  it('handles a status for a message the hub never sent', async () => {
    const res = await fake.deliverStatuses(`${hub.url}/hooks/app/whatsapp/${WA_APP.app_id}`, {
      appSecret: WA_APP.app_secret,
      phoneNumberId: PHONE_NUMBER_ID,
      messageId: 'wamid.never-sent-by-the-hub',
      states: ['delivered'],
    });
    expect(res.status).toBe(200);
    const rows = await audit('wamid.never-sent-by-the-hub:delivered');
    expect(rows.map((r) => r.reason)).not.toContain('delivery_failed');
  });

  it('fails a free-form reply outside the 24-hour window as template_required', async () => {
    fake.closedWindows.add(MEMBER_WA_ID);
    const accepted = await hub.request('POST', `/api/v1/installations/${installationId}/messages`, {
      token: admin.token,
      body: { target: { chatId: MEMBER_WA_ID }, text: 'late answer', idempotencyKey: 'late-1' },
    });
    expect(accepted.status).toBe(202);
    const failed = await eventually(async () => {
      const record = await outboundRecord(accepted.body.id);
      return record.body.status === 'failed' ? record.body : undefined;
    });
    expect(failed.lastError).toMatch(/^template_required: /);
    expect(failed.attempts).toBe(1);
    fake.closedWindows.delete(MEMBER_WA_ID);
  });

  it('says in the installation status that the token expired, with a fix hint (Graph error 190)', async () => {
    fake.expireToken();
    const accepted = await hub.request('POST', `/api/v1/installations/${installationId}/messages`, {
      token: admin.token,
      body: { target: { chatId: MEMBER_WA_ID }, text: 'after expiry', idempotencyKey: 'expired-1' },
    });
    expect(accepted.status).toBe(202);
    const failed = await eventually(async () => {
      const record = await outboundRecord(accepted.body.id);
      return record.body.status === 'failed' ? record.body : undefined;
    });
    expect(failed.lastError).toMatch(/^190: the access token expired/);
    const status = await eventually(async () => {
      const res = await hub.request(
        'GET',
        `/api/v1/workspaces/${slug}/installations/${installationId}/status`,
        {
          token: admin.token,
        },
      );
      return res.body.runtime?.lastError ? res.body.runtime : undefined;
    });
    expect(status.lastError).toContain('access token expired');
    expect(status.lastErrorHint).toMatch(/PATCH the installation/);
    expect(JSON.stringify(status)).not.toContain(WA_APP.access_token);
  });
});
