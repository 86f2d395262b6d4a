import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

describe.each(testDatabaseKinds())('identity API [%s]', (kind) => {
  let hub: HubFixture;
  beforeAll(async () => {
    hub = await startHubFixture(kind, { workers: false });
  });
  afterAll(async () => {
    await hub?.close();
  });

  async function addMember(ws: string, token: string, body: Record<string, unknown>) {
    return hub.request('POST', `/api/v1/workspaces/${ws}/members`, { token, body });
  }

  function linkIdentity(ws: string, token: string, userId: string, namespace: string, identifier: string) {
    return hub.request('POST', `/api/v1/workspaces/${ws}/members/${userId}/identities`, {
      token,
      body: { namespace, identifier },
    });
  }

  it("writes a new member's auth and email identities, and re-adding links nothing twice", async () => {
    const { token } = await hub.seedWorkspace('members-id');
    const created = await addMember('members-id', token, { username: 'carol', email: 'Carol@Example.test' });
    expect(created.status).toBe(201);
    const userId = created.body.userId as string;
    expect(created.body.identities).toEqual({
      linked: [
        { namespace: 'auth', identifier: userId, status: 'linked' },
        { namespace: 'email', identifier: 'carol@example.test', status: 'linked' },
      ],
      failed: [],
    });
    // Adding a member again is no way to change anything: it answers 409 (roles change with PATCH).
    const again = await addMember('members-id', token, { username: 'carol' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_member');
    const workspaceId = (await hub.runtime.stores.workspaces.resolve('members-id')).id;
    const identities = await hub.runtime.stores.identities.listForUser(userId, { workspaceId });
    // The user id is the person themselves (hub-wide); the email is this workspace's admin's word.
    expect(identities.map((i) => [i.namespace, i.source, i.workspaceId])).toEqual(
      expect.arrayContaining([
        ['auth', 'self', null],
        ['email', 'admin', workspaceId],
      ]),
    );
    expect(await hub.runtime.stores.identities.listForUser(userId)).toHaveLength(1);
  });

  it('still adds a member whose email identity belongs to someone else, and reports the failed link', async () => {
    const { token } = await hub.seedWorkspace('members-clash');
    const holder = await hub.runtime.stores.users.create({ username: 'clash-holder' });
    await hub.runtime.stores.identities.link({
      userId: holder.id,
      namespace: 'email',
      identifier: 'shared@example.test',
      source: 'admin',
    });
    const created = await addMember('members-clash', token, {
      username: 'clash-new',
      email: 'shared@example.test',
    });
    expect(created.status).toBe(201);
    expect(created.body.identities.failed).toEqual([
      { namespace: 'email', identifier: 'shared@example.test', code: 'identity_conflict' },
    ]);
    expect(created.body.identities.linked).toEqual([
      { namespace: 'auth', identifier: created.body.userId, status: 'linked' },
    ]);
    expect(hub.logs.some((line) => line.includes('could not link a member identity'))).toBe(true);
  });

  it('links a phone in E.164 together with its WhatsApp JID, idempotently', async () => {
    const { token, userId } = await hub.seedWorkspace('phone-ws');
    const first = await linkIdentity('phone-ws', token, userId, 'phone', '+1 (415) 555-2671');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      outcome: 'linked',
      identities: [
        { namespace: 'phone', identifier: '+14155552671', status: 'linked' },
        { namespace: 'wa_jid', identifier: '14155552671@s.whatsapp.net', status: 'linked' },
      ],
    });
    const again = await linkIdentity('phone-ws', token, userId, 'phone', '+14155552671');
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('already_linked');
    const workspaceId = (await hub.runtime.stores.workspaces.resolve('phone-ws')).id;
    expect(
      (await hub.runtime.stores.identities.find('wa_jid', '14155552671@s.whatsapp.net', { workspaceId }))
        .userId,
    ).toBe(userId);
  });

  it('answers an invalid phone with the invalid_phone outcome and writes nothing', async () => {
    const { token, userId } = await hub.seedWorkspace('bad-phone-ws');
    const res = await linkIdentity('bad-phone-ws', token, userId, 'phone', '12345');
    expect(res.status).toBe(422);
    expect(res.body.outcome).toBe('invalid_phone');
    expect(await hub.runtime.stores.identities.listForUser(userId)).toEqual([]);
  });

  it('answers no_member for a user outside the workspace', async () => {
    const { token } = await hub.seedWorkspace('no-member-ws');
    const stranger = await hub.seedWorkspace('stranger-ws');
    const res = await linkIdentity('no-member-ws', token, stranger.userId, 'phone', '+14155552672');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ outcome: 'no_member' });
    expect(await hub.runtime.stores.identities.listForUser(stranger.userId)).toEqual([]);
  });

  it('refuses with 409 an identity another user holds', async () => {
    const { token, userId } = await hub.seedWorkspace('taken-ws');
    const other = await hub.runtime.stores.users.create({ username: 'taken-holder' });
    await hub.runtime.stores.identities.link({
      userId: other.id,
      namespace: 'github_login',
      identifier: 'octocat',
      source: 'admin',
    });
    const res = await linkIdentity('taken-ws', token, userId, 'github_login', 'OctoCat');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('identity_exists');
  });

  it('resolves an identity to the member and the workspaces the caller shares, and hides non-members', async () => {
    const home = await hub.seedWorkspace('resolve-home');
    const away = await hub.seedWorkspace('resolve-away');
    const member = await addMember('resolve-home', home.token, {
      username: 'dora',
      email: 'dora@example.test',
    });
    await hub.runtime.stores.members.upsert(away.workspaceId, member.body.userId, 'member');
    await linkIdentity('resolve-home', home.token, member.body.userId, 'slack', 'T01:U0DORA');

    const res = await hub.request(
      'GET',
      '/api/v1/workspaces/resolve-home/identities/resolve?namespace=slack&identifier=t01:u0dora',
      { token: home.token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: { id: member.body.userId, username: 'dora', status: 'active' },
      identity: { namespace: 'slack', identifier: 'T01:U0DORA', source: 'admin' },
      workspaces: [{ workspaceId: home.workspaceId, role: 'member' }],
    });

    const outsider = await hub.seedWorkspace('resolve-outsider');
    const hidden = await hub.request(
      'GET',
      '/api/v1/workspaces/resolve-outsider/identities/resolve?namespace=slack&identifier=T01:U0DORA',
      { token: outsider.token },
    );
    expect(hidden.status).toBe(404);
    const unknown = await hub.request(
      'GET',
      '/api/v1/workspaces/resolve-home/identities/resolve?namespace=slack&identifier=T01:U0NOBODY',
      { token: home.token },
    );
    expect(unknown.status).toBe(404);
  });

  it("lists a member's identities with their sources", async () => {
    const { token, userId } = await hub.seedWorkspace('list-ws');
    await linkIdentity('list-ws', token, userId, 'email', 'list@example.test');
    const res = await hub.request('GET', `/api/v1/workspaces/list-ws/members/${userId}/identities`, {
      token,
    });
    expect(res.status).toBe(200);
    expect(res.body.identities).toEqual([
      expect.objectContaining({
        namespace: 'email',
        identifier: 'list@example.test',
        source: 'admin',
        status: 'active',
      }),
    ]);
  });
});
