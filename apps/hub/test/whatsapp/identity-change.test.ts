import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';
import { postWhatsApp, WA_APP, whatsappRegistry } from './support.js';

const PHONE_NUMBER_ID = '106540352242922';
const TERMINAL_SKIPPED = ['accepted', 'resolved', 'identity_changed'];

/**
 * `user_changed_number` and `user_changed_user_id`: a member's proven identities follow to the new
 * number or BSUID, so the next message from it reaches the agent as the same member, unbound.
 */
describe.each(testDatabaseKinds())('WhatsApp identity changes [%s]', (kind) => {
  let hub: HubFixture;
  let fake: FakeWhatsApp;
  let agent: FakeAgent;
  let admin: { token: string; workspaceId: string; userId: string };
  let wamids = 0;
  const wamid = () => `wamid.HBgLNDkxNTEyMzQ1Njc4ORUCABIYFjNFQjB${++wamids}`;
  const slug = 'wa-change';

  const auditRows = (eventId: string) =>
    eventually(async () => {
      const res = await hub.request(
        'GET',
        `/api/v1/workspaces/${slug}/audit?platformEventId=${encodeURIComponent(eventId)}`,
        { token: admin.token },
      );
      const rows = res.body.entries as Array<{ reason: string; userId?: string | null; detail?: unknown }>;
      return rows.some((r) => !TERMINAL_SKIPPED.includes(r.reason)) ? rows : undefined;
    });
  const identitiesOf = async (userId: string) => {
    const res = await hub.request('GET', `/api/v1/workspaces/${slug}/members/${userId}/identities`, {
      token: admin.token,
    });
    return (res.body.identities as Array<{ namespace: string; identifier: string; source: string }>).map(
      (i) => `${i.namespace}:${i.identifier}:${i.source}`,
    );
  };
  const newMember = async (username: string) => {
    const user = await hub.runtime.stores.users.create({ username });
    await hub.runtime.stores.members.upsert(admin.workspaceId, user.id, 'member');
    return user;
  };
  const changedNumber = (id: string, from: string, to: string) => ({
    id,
    raw: {
      from,
      id,
      timestamp: '1764547200',
      type: 'system',
      system: { body: `Dora changed from ${from} to ${to}`, wa_id: to, type: 'user_changed_number' },
    },
  });
  const text = (id: string, from: string) => ({ phoneNumberId: PHONE_NUMBER_ID, messages: [{ id, from }] });
  const deliveryOf = (id: string) =>
    eventually(() => agent.deliveries.find((d) => d.body.message?.platformMessageId === id));

  beforeAll(async () => {
    fake = await startFakeWhatsApp({
      accessToken: WA_APP.access_token,
      phoneNumbers: { [PHONE_NUMBER_ID]: { displayPhoneNumber: '+49 30 1234567' } },
    });
    agent = await startFakeAgent();
    hub = await startHubFixture(kind, { registry: whatsappRegistry() });
    admin = await hub.seedWorkspace(slug);
    const createdAgent = await hub.request('POST', `/api/v1/workspaces/${slug}/agents`, {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
    });
    const created = await hub.request('POST', `/api/v1/workspaces/${slug}/installations`, {
      token: admin.token,
      body: {
        agentId: createdAgent.body.id,
        channelType: 'whatsapp',
        config: { ...WA_APP, phone_number_id: PHONE_NUMBER_ID, api_base_url: fake.url },
      },
    });
    expect(created.status, created.text).toBe(201);
  });
  afterAll(async () => {
    await hub?.close();
    await agent?.close();
    await fake?.close();
  });

  it("moves a member's proven phone and JID to the new number, idempotently", async () => {
    const dora = await newMember('dora');
    const oldWaId = '4915123456701';
    const newWaId = '4915123456702';
    // Proven earlier (a code or a binding link; both are covered by the end-to-end suite).
    await hub.runtime.stores.identities.linkMany([
      { namespace: 'phone', identifier: `+${oldWaId}`, userId: dora.id, source: 'self' },
      { namespace: 'wa_jid', identifier: `${oldWaId}@s.whatsapp.net`, userId: dora.id, source: 'self' },
    ]);

    const notice = wamid();
    const res = await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [changedNumber(notice, oldWaId, newWaId)] },
    ]);
    expect(res.status, res.text).toBe(200);
    const rows = await auditRows(notice);
    expect(rows.find((r) => r.reason === 'identity_changed')).toMatchObject({
      userId: dora.id,
      detail: { namespaces: ['phone', 'wa_jid'], linked: 2, alreadyLinked: 0, conflicts: 0, retired: 2 },
    });
    expect(await identitiesOf(dora.id)).toEqual(
      expect.arrayContaining([
        `phone:+${newWaId}:provisioned`,
        `wa_jid:${newWaId}@s.whatsapp.net:provisioned`,
      ]),
    );
    // The old number is retired: whoever gets it next is never delivered as Dora.
    const old = await hub.runtime.database.prisma.identity.findMany({
      where: { userId: dora.id, identifier: { contains: oldWaId } },
      select: { status: true },
    });
    expect(old.map((row) => row.status)).toEqual(['deactivated', 'deactivated']);
    const fromOld = wamid();
    await postWhatsApp(hub, [text(fromOld, oldWaId)]);
    const settled = await eventually(async () => {
      const reasons = (await auditRows(fromOld)).map((r) => r.reason);
      return reasons.length > 0 ? reasons : undefined;
    });
    expect(settled).not.toContain('delivered');
    expect(agent.deliveries.some((d) => d.body.message?.platformMessageId === fromOld)).toBe(false);

    // The new number has no binding: the moved identity names Dora, no link is offered.
    const first = wamid();
    await postWhatsApp(hub, [text(first, newWaId)]);
    expect((await deliveryOf(first)).body.user).toEqual({ id: dora.id, username: 'dora' });
    const resolved = (await auditRows(first)).find((r) => r.reason === 'resolved');
    expect(resolved?.detail).toMatchObject({ identitySource: 'provisioned' });
    expect([...fake.messages.values()].some((m) => m.recipient === newWaId)).toBe(false);

    // Meta sends the notice again (a new wamid): the old number proves nobody now, nothing is written.
    const again = wamid();
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [changedNumber(again, oldWaId, newWaId)] },
    ]);
    expect((await auditRows(again)).map((r) => r.reason)).not.toContain('identity_changed');
    expect((await identitiesOf(dora.id)).filter((i) => i.includes(newWaId))).toHaveLength(2);
  });

  it('moves nothing an admin only asserted, and nothing that belongs to someone else', async () => {
    const emil = await newMember('emil');
    const oldWaId = '4915123456711';
    const newWaId = '4915123456712';
    const linked = await hub.request('POST', `/api/v1/workspaces/${slug}/members/${emil.id}/identities`, {
      token: admin.token,
      body: { namespace: 'phone', identifier: `+${oldWaId}` },
    });
    expect(linked.status, linked.text).toBe(201);
    const notice = wamid();
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [changedNumber(notice, oldWaId, newWaId)] },
    ]);
    const rows = await auditRows(notice);
    expect(rows.map((r) => r.reason)).not.toContain('identity_changed');
    expect((await identitiesOf(emil.id)).some((i) => i.includes(newWaId))).toBe(false);
    const first = wamid();
    await postWhatsApp(hub, [text(first, newWaId)]);
    expect((await auditRows(first)).map((r) => r.reason)).toContain('not_bound');

    // Greta proved a number that Meta now says is Hans's new one: it stays Greta's.
    const greta = await newMember('greta');
    const hans = await newMember('hans');
    const gretaWaId = '4915123456721';
    const hansOld = '4915123456722';
    await hub.runtime.stores.identities.linkMany([
      { namespace: 'phone', identifier: `+${gretaWaId}`, userId: greta.id, source: 'self' },
      { namespace: 'phone', identifier: `+${hansOld}`, userId: hans.id, source: 'self' },
    ]);
    const clash = wamid();
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [changedNumber(clash, hansOld, gretaWaId)] },
    ]);
    expect((await auditRows(clash)).find((r) => r.reason === 'identity_changed')).toMatchObject({
      userId: hans.id,
      detail: { linked: 0, conflicts: 1 },
    });
    expect(await identitiesOf(greta.id)).toContain(`phone:+${gretaWaId}:self`);
    expect((await identitiesOf(hans.id)).some((i) => i.includes(gretaWaId))).toBe(false);
  });

  it('moves nothing when the previous identities were proven by two people', async () => {
    const ida = await newMember('ida');
    const jan = await newMember('jan');
    const oldWaId = '4915123456731';
    const newWaId = '4915123456732';
    await hub.runtime.stores.identities.linkMany([
      { namespace: 'phone', identifier: `+${oldWaId}`, userId: ida.id, source: 'self' },
      { namespace: 'wa_jid', identifier: `${oldWaId}@s.whatsapp.net`, userId: jan.id, source: 'self' },
    ]);
    const notice = wamid();
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [changedNumber(notice, oldWaId, newWaId)] },
    ]);
    expect((await auditRows(notice)).map((r) => r.reason)).not.toContain('identity_changed');
    for (const user of [ida, jan]) {
      expect((await identitiesOf(user.id)).some((i) => i.includes(newWaId))).toBe(false);
    }
  });

  it('moves a proven BSUID on user_changed_user_id, and the new BSUID routes as the member', async () => {
    const fay = await newMember('fay');
    const previous = 'US.13491208655302741918';
    const current = 'US.13491208655302749999';
    await hub.runtime.stores.identities.link({
      namespace: 'wa_bsuid',
      identifier: previous,
      userId: fay.id,
      source: 'provisioned',
    });
    const notice = wamid();
    await postWhatsApp(hub, [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        messages: [
          {
            id: notice,
            raw: {
              from_user_id: current,
              id: notice,
              timestamp: '1764547200',
              type: 'system',
              system: {
                body: 'User changed their user id',
                type: 'user_changed_user_id',
                user_id: current,
                previous_user_id: previous,
              },
            },
          },
        ],
      },
    ]);
    const rows = await auditRows(notice);
    expect(rows.find((r) => r.reason === 'identity_changed')).toMatchObject({
      userId: fay.id,
      detail: { namespaces: ['wa_bsuid'], linked: 1 },
    });
    const next = wamid();
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [{ id: next, fromUserId: current }] },
    ]);
    expect((await deliveryOf(next)).body.user).toEqual({ id: fay.id, username: 'fay' });
  });
  it('moves the parent BSUID with the BSUID, and retires both old ones', async () => {
    const gus = await newMember('gus');
    const previous = { id: 'US.13491208655302741001', parent: 'US.ENT.13491208655302741001' };
    const current = { id: 'US.13491208655302742002', parent: 'US.ENT.13491208655302742002' };
    await hub.runtime.stores.identities.linkMany([
      { namespace: 'wa_bsuid', identifier: previous.id, userId: gus.id, source: 'provisioned' },
      { namespace: 'wa_bsuid', identifier: previous.parent, userId: gus.id, source: 'provisioned' },
    ]);
    const notice = wamid();
    await postWhatsApp(hub, [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        messages: [
          {
            id: notice,
            raw: {
              from_user_id: current.id,
              id: notice,
              timestamp: '1764547200',
              type: 'system',
              system: {
                body: 'User changed their user id',
                type: 'user_changed_user_id',
                user_id: current.id,
                previous_user_id: previous.id,
                parent_user_id: current.parent,
                previous_parent_user_id: previous.parent,
              },
            },
          },
        ],
      },
    ]);
    expect((await auditRows(notice)).find((r) => r.reason === 'identity_changed')).toMatchObject({
      userId: gus.id,
      detail: { namespaces: ['wa_bsuid'], linked: 2, retired: 2 },
    });
    expect(await identitiesOf(gus.id)).toEqual(
      expect.arrayContaining([
        `wa_bsuid:${current.id}:provisioned`,
        `wa_bsuid:${current.parent}:provisioned`,
      ]),
    );
    const old = await hub.runtime.database.prisma.identity.findMany({
      where: { userId: gus.id, identifier: { in: [previous.id, previous.parent] } },
      select: { status: true },
    });
    expect(old.map((row) => row.status)).toEqual(['deactivated', 'deactivated']);
    const next = wamid();
    await postWhatsApp(hub, [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        messages: [{ id: next, fromUserId: current.id, fromParentUserId: current.parent }],
      },
    ]);
    expect((await deliveryOf(next)).body.user).toEqual({ id: gus.id, username: 'gus' });
  });
});
