import { testDatabaseKinds } from '@switchboard/db/testing';
import { signSlackRequest } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressPolicy } from '../../src/egress/index.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

const SLACK_SECRETS = { signing_secret: 'slack-signing-secret-tenant', bot_token: 'xoxb-tenant-bot-token' };

/**
 * Two workspaces on one hub, tried as a hostile admin of the first would: every call with the
 * other tenant's ids, slugs and tokens answers a clear 4xx, nobody is adopted, and nothing of
 * the other tenant leaks into answers or logs.
 */
describe.each(testDatabaseKinds())('cross-tenant isolation [%s]', (kind) => {
  let hub: HubFixture;
  let a: Awaited<ReturnType<HubFixture['seedWorkspace']>>;
  let b: Awaited<ReturnType<HubFixture['seedWorkspace']>>;
  let bUser: { id: string; username: string };
  let bAgentId: string;
  let bInstallationId: string;
  let bTokenId: string;
  let bInvitationId: string;

  beforeAll(async () => {
    // The production default: no loopback, private or metadata egress.
    hub = await startHubFixture(kind, { workers: false, egress: new EgressPolicy() });
    a = await hub.seedWorkspace('tenant-a');
    b = await hub.seedWorkspace('tenant-b');
    bUser = await hub.runtime.stores.users.create({ username: 'bob-b', email: 'bob@b.test' });
    await hub.runtime.stores.members.upsert(b.workspaceId, bUser.id, 'member');
    const agent = await hub.request('POST', '/api/v1/workspaces/tenant-b/agents', {
      token: b.token,
      body: { name: 'b-agent', deliveryUrl: 'https://agent.b.example/hook' },
    });
    expect(agent.status).toBe(201);
    bAgentId = agent.body.id;
    // Stored directly: installing through the API asks Slack (auth.test), which this hub's
    // production egress policy keeps it from reaching here; the suite is about the other tenant.
    const installation = await hub.runtime.stores.installations.create({
      workspaceId: b.workspaceId,
      agentId: bAgentId,
      channelType: 'slack',
      config: { app_id: 'A0BAPP001', team_id: 'T0BTEAM01', bot_user_id: 'U0BBOT001' },
      secrets: SLACK_SECRETS,
    });
    bInstallationId = installation.id;
    const token = await hub.request('POST', '/api/v1/workspaces/tenant-b/tokens', {
      token: b.token,
      body: { name: 'b-token' },
    });
    bTokenId = token.body.id;
    const invitation = await hub.request('POST', '/api/v1/workspaces/tenant-b/members', {
      token: b.token,
      body: { email: 'someone@b.test' },
    });
    bInvitationId = invitation.body.invitation.id;
  });
  afterAll(async () => {
    await hub?.close();
  });

  it("answers 404 for every admin endpoint called with the other tenant's slug, id or token", async () => {
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/workspaces/tenant-b'],
      ['GET', `/api/v1/workspaces/${b.workspaceId}`],
      ['GET', '/api/v1/workspaces/tenant-b/members'],
      ['POST', '/api/v1/workspaces/tenant-b/members', { username: 'x-new' }],
      ['PATCH', `/api/v1/workspaces/tenant-b/members/${bUser.id}`, { role: 'admin' }],
      ['DELETE', `/api/v1/workspaces/tenant-b/members/${bUser.id}`],
      ['POST', '/api/v1/workspaces/tenant-b/ownership-transfer', { userId: a.userId }],
      ['GET', `/api/v1/workspaces/tenant-b/members/${bUser.id}/identities`],
      [
        'POST',
        `/api/v1/workspaces/tenant-b/members/${bUser.id}/identities`,
        { namespace: 'email', identifier: 'x@x.test' },
      ],
      ['GET', '/api/v1/workspaces/tenant-b/identities/resolve?namespace=email&identifier=bob%40b.test'],
      ['GET', '/api/v1/workspaces/tenant-b/agents'],
      ['POST', '/api/v1/workspaces/tenant-b/agents', { name: 'x', deliveryUrl: 'https://x.example/' }],
      ['POST', `/api/v1/workspaces/tenant-b/agents/${bAgentId}/delivery-secret`],
      ['GET', '/api/v1/workspaces/tenant-b/installations'],
      ['GET', `/api/v1/workspaces/tenant-b/installations/${bInstallationId}`],
      ['PATCH', `/api/v1/workspaces/tenant-b/installations/${bInstallationId}`, { config: {} }],
      ['DELETE', `/api/v1/workspaces/tenant-b/installations/${bInstallationId}`],
      ['GET', '/api/v1/workspaces/tenant-b/tokens'],
      ['POST', '/api/v1/workspaces/tenant-b/tokens', { name: 'steal', userId: bUser.id }],
      ['DELETE', `/api/v1/workspaces/tenant-b/tokens/${bTokenId}`],
      ['GET', '/api/v1/workspaces/tenant-b/invitations'],
      ['DELETE', `/api/v1/workspaces/tenant-b/invitations/${bInvitationId}`],
      ['GET', '/api/v1/workspaces/tenant-b/audit'],
      ['GET', '/api/v1/workspaces/tenant-b/bindings'],
      ['GET', '/api/v1/workspaces/tenant-b/dead-letters'],
      // The own workspace's slug with the other tenant's ids.
      ['GET', `/api/v1/workspaces/tenant-a/installations/${bInstallationId}`],
      ['PATCH', `/api/v1/workspaces/tenant-a/installations/${bInstallationId}`, { config: {} }],
      ['DELETE', `/api/v1/workspaces/tenant-a/installations/${bInstallationId}`],
      ['POST', `/api/v1/workspaces/tenant-a/agents/${bAgentId}/delivery-secret`],
      ['DELETE', `/api/v1/workspaces/tenant-a/tokens/${bTokenId}`],
      ['DELETE', `/api/v1/workspaces/tenant-a/invitations/${bInvitationId}`],
      ['DELETE', `/api/v1/workspaces/tenant-a/members/${bUser.id}`],
      ['GET', `/api/v1/workspaces/tenant-a/members/${bUser.id}/identities`],
    ];
    for (const [method, path, body] of calls) {
      const res = await hub.request(method, path, { token: a.token, ...(body ? { body } : {}) });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(res.text).not.toContain(b.workspaceId);
      expect(res.text).not.toContain('bob-b');
    }
    // Changing a role or ownership needs a member of the own workspace.
    const patch = await hub.request('PATCH', `/api/v1/workspaces/tenant-a/members/${bUser.id}`, {
      token: a.token,
      body: { role: 'admin' },
    });
    expect(patch.status).toBe(400);
    const transfer = await hub.request('POST', '/api/v1/workspaces/tenant-a/ownership-transfer', {
      token: a.token,
      body: { userId: bUser.id },
    });
    expect(transfer.status).toBe(400);
    // Nothing of B changed.
    expect(await hub.runtime.stores.members.find(b.workspaceId, bUser.id)).toMatchObject({ role: 'member' });
    expect((await hub.runtime.stores.installations.get(b.workspaceId, bInstallationId)).status).toBe(
      'active',
    );
    expect((await hub.runtime.stores.apiTokens.get(b.workspaceId, bTokenId)).revokedAt).toBeNull();
  });

  it("refuses the other tenant's status, activity and outbound routes, and its data is in no answer", async () => {
    // Tenant B has traffic: an inbound event, a delivered decision and a queued reply.
    const event = JSON.stringify({
      type: 'event_callback',
      team_id: 'T0BTEAM01',
      api_app_id: 'A0BAPP001',
      event_id: 'Ev0TENANTB1',
      event_time: 1_760_000_000,
      event: {
        type: 'message',
        channel_type: 'im',
        channel: 'D0BCHAT01',
        user: 'U0BPERSON',
        text: 'tenant b private text',
        ts: '1760000000.000100',
        team: 'T0BTEAM01',
      },
    });
    const hook = await hub.request('POST', `/hooks/${bInstallationId}`, {
      raw: event,
      headers: signSlackRequest(SLACK_SECRETS.signing_secret, event),
    });
    expect(hook.status, hook.text).toBe(200);
    await hub.runtime.stores.audit.record({
      workspaceId: b.workspaceId,
      installationId: bInstallationId,
      channelType: 'slack',
      platformEventId: 'Ev0TENANTB1',
      reason: 'delivered',
    });
    const reply = await hub.request('POST', `/api/v1/installations/${bInstallationId}/messages`, {
      token: b.token,
      body: { target: { chatId: 'D0BCHAT01' }, text: 'tenant b private reply', idempotencyKey: 'b-1' },
    });
    expect(reply.status, reply.text).toBe(202);
    const bOutboundId = reply.body.id as string;
    // B's own admin sees it all: the calls below are refused for who makes them, not for emptiness.
    const own = await hub.request('GET', '/api/v1/workspaces/tenant-b/activity/messages', { token: b.token });
    expect(own.body.minutes).toEqual([
      expect.objectContaining({ installationId: bInstallationId, inbound: 1, delivered: 1 }),
    ]);
    const ownOutbound = await hub.request('GET', '/api/v1/workspaces/tenant-b/outbound-messages', {
      token: b.token,
    });
    expect(ownOutbound.body.items.map((m: { id: string }) => m.id)).toEqual([bOutboundId]);

    const secrets = [
      b.workspaceId,
      bInstallationId,
      bOutboundId,
      'Ev0TENANTB1',
      'D0BCHAT01',
      'tenant b private',
      'U0BPERSON',
      'T0BTEAM01',
    ];
    const noLeak = (what: string, text: string) => {
      for (const secret of secrets)
        expect({ what, leaks: text.includes(secret) }).toEqual({ what, leaks: false });
    };

    // A's admin with B's slug, B's workspace id, or A's slug with B's installation and message ids.
    const refused: string[] = [
      '/api/v1/workspaces/tenant-b/activity/messages',
      '/api/v1/workspaces/tenant-b/activity/messages?window=24h',
      '/api/v1/workspaces/tenant-b/activity/reasons',
      '/api/v1/workspaces/tenant-b/status',
      '/api/v1/workspaces/tenant-b/outbound-messages',
      `/api/v1/workspaces/tenant-b/outbound-messages?installationId=${bInstallationId}`,
      `/api/v1/workspaces/${b.workspaceId}/activity/messages`,
      `/api/v1/workspaces/${b.workspaceId}/activity/reasons`,
      `/api/v1/workspaces/${b.workspaceId}/status`,
      `/api/v1/workspaces/${b.workspaceId}/outbound-messages`,
      `/api/v1/workspaces/tenant-b/installations/${bInstallationId}/status`,
      `/api/v1/workspaces/tenant-a/installations/${bInstallationId}/status`,
      `/api/v1/installations/${bInstallationId}/messages/${bOutboundId}`,
    ];
    for (const path of refused) {
      const res = await hub.request('GET', path, { token: a.token });
      expect({ path, refused: [403, 404].includes(res.status) }).toEqual({ path, refused: true });
      noLeak(path, res.text);
    }
    const send = await hub.request('POST', `/api/v1/installations/${bInstallationId}/messages`, {
      token: a.token,
      body: { target: { chatId: 'D0BCHAT01' }, text: 'from a', idempotencyKey: 'a-into-b' },
    });
    expect([403, 404]).toContain(send.status);

    // A's own answers (and a filter naming B's installation) hold nothing of B.
    const mine = [
      '/api/v1/workspaces/tenant-a/activity/messages',
      '/api/v1/workspaces/tenant-a/activity/messages?window=24h',
      '/api/v1/workspaces/tenant-a/activity/reasons',
      '/api/v1/workspaces/tenant-a/status',
      '/api/v1/workspaces/tenant-a/outbound-messages',
      `/api/v1/workspaces/tenant-a/outbound-messages?installationId=${bInstallationId}`,
    ];
    for (const path of mine) {
      const res = await hub.request('GET', path, { token: a.token });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      noLeak(path, res.text);
    }
    const aActivity = await hub.request('GET', '/api/v1/workspaces/tenant-a/activity/messages', {
      token: a.token,
    });
    expect(aActivity.body.minutes).toEqual([]);
    const aReasons = await hub.request('GET', '/api/v1/workspaces/tenant-a/activity/reasons', {
      token: a.token,
    });
    expect(aReasons.body.reasons).toEqual([]);

    // The other way round: B's token on A's slug; and B's plain member on B's admin-only routes.
    for (const path of [
      '/api/v1/workspaces/tenant-a/activity/messages',
      '/api/v1/workspaces/tenant-a/activity/reasons',
      '/api/v1/workspaces/tenant-a/status',
      '/api/v1/workspaces/tenant-a/outbound-messages',
    ]) {
      const res = await hub.request('GET', path, { token: b.token });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const bMemberToken = (
      await hub.runtime.stores.apiTokens.issue({ userId: bUser.id, workspaceId: b.workspaceId })
    ).token;
    for (const path of [
      '/api/v1/workspaces/tenant-b/activity/messages',
      '/api/v1/workspaces/tenant-b/activity/reasons',
      '/api/v1/workspaces/tenant-b/status',
      '/api/v1/workspaces/tenant-b/outbound-messages',
    ]) {
      const res = await hub.request('GET', path, { token: bMemberToken });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      noLeak(path, res.text.replace(b.workspaceId, ''));
    }
  });

  it("adds nobody without consent: another workspace's user, by username or by email, gets an invitation", async () => {
    const byName = await hub.request('POST', '/api/v1/workspaces/tenant-a/members', {
      token: a.token,
      body: { username: 'bob-b', role: 'admin' },
    });
    expect(byName.status).toBe(202);
    expect(byName.body.invitation).toMatchObject({ status: 'pending', role: 'admin', username: 'bob-b' });
    expect(byName.body.acceptUrl).toMatch(/\/invite#sbi_/);
    const byEmail = await hub.request('POST', '/api/v1/workspaces/tenant-a/members', {
      token: a.token,
      body: { email: 'bob@b.test' },
    });
    expect(byEmail.status).toBe(202);
    expect(byEmail.body.invitation).toMatchObject({ status: 'pending', email: 'bob@b.test' });
    expect(byEmail.body.invitation.username).toBeUndefined();
    expect(await hub.runtime.stores.members.find(a.workspaceId, bUser.id)).toBeNull();

    // Someone else cannot accept it; the invitee can, once.
    const accept = (token: string, bearer: string) =>
      hub.request('POST', '/api/v1/invitations/accept', { token: bearer, body: { token } });
    expect((await accept(byName.body.token, a.token)).status).toBe(403);
    const bobToken = (await hub.runtime.stores.apiTokens.issue({ userId: bUser.id })).token;
    const accepted = await accept(byName.body.token, bobToken);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ workspaceId: a.workspaceId, role: 'admin' });
    expect((await accept(byName.body.token, bobToken)).status).toBe(410);
    expect((await accept('sbi_not-a-real-invitation-token', bobToken)).status).toBe(410);
    // The email invitation is for the person with that email: bob, signed in.
    const byEmailAccepted = await accept(byEmail.body.token, bobToken);
    expect(byEmailAccepted.status).toBe(200);
    expect(byEmailAccepted.body.role).toBe('admin');

    const list = await hub.request('GET', '/api/v1/workspaces/tenant-a/invitations', { token: a.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { status: string }) => i.status)).toEqual(['accepted', 'accepted']);
    expect(list.body.nextCursor).toBeNull();
    expect(list.text).not.toContain(byName.body.token);
  });

  it('cancels and expires invitations', async () => {
    const carol = await hub.runtime.stores.users.create({ username: 'carol-x', email: 'carol@x.test' });
    const carolToken = (await hub.runtime.stores.apiTokens.issue({ userId: carol.id })).token;
    const invite = () =>
      hub.request('POST', '/api/v1/workspaces/tenant-a/members', {
        token: a.token,
        body: { username: 'carol-x' },
      });
    const first = await invite();
    const cancel = await hub.request(
      'DELETE',
      `/api/v1/workspaces/tenant-a/invitations/${first.body.invitation.id}`,
      {
        token: a.token,
      },
    );
    expect(cancel.status).toBe(204);
    const afterCancel = await hub.request('POST', '/api/v1/invitations/accept', {
      token: carolToken,
      body: { token: first.body.token },
    });
    expect(afterCancel.status).toBe(410);
    const second = await invite();
    await hub.database.db.prisma.invitation.update({
      where: { id: second.body.invitation.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const afterExpiry = await hub.request('POST', '/api/v1/invitations/accept', {
      token: carolToken,
      body: { token: second.body.token },
    });
    expect(afterExpiry.status).toBe(410);
    expect(await hub.runtime.stores.members.find(a.workspaceId, carol.id)).toBeNull();
  });

  it("keeps an admin's identity links inside their workspace", async () => {
    const planted = await hub.request('POST', '/api/v1/workspaces/tenant-a/members', {
      token: a.token,
      body: { username: 'planted-a' },
    });
    expect(planted.status).toBe(201);
    // A's admin claims B's Slack user for their own member: allowed, but only A believes it.
    const link = await hub.request(
      'POST',
      `/api/v1/workspaces/tenant-a/members/${planted.body.userId}/identities`,
      {
        token: a.token,
        body: { namespace: 'slack', identifier: 'T0BTEAM01:U0BOB0001' },
      },
    );
    expect(link.status).toBe(201);
    const fromB = await hub.runtime.stores.identities
      .find('slack', 'T0BTEAM01:U0BOB0001', {
        workspaceId: b.workspaceId,
      })
      .catch((error: unknown) => error);
    expect(fromB).toMatchObject({ code: 'not_found' });
    // B's admin links the real person: no conflict with A's assertion, and no leak of it.
    const real = await hub.request('POST', `/api/v1/workspaces/tenant-b/members/${bUser.id}/identities`, {
      token: b.token,
      body: { namespace: 'slack', identifier: 'T0BTEAM01:U0BOB0001' },
    });
    expect(real.status).toBe(201);
    expect(real.text).not.toContain(planted.body.userId);
    const resolvedInB = await hub.request(
      'GET',
      '/api/v1/workspaces/tenant-b/identities/resolve?namespace=slack&identifier=T0BTEAM01:U0BOB0001',
      { token: b.token },
    );
    expect(resolvedInB.body.user.id).toBe(bUser.id);
    // Linking an identity to the other tenant's user is refused.
    const foreign = await hub.request('POST', `/api/v1/workspaces/tenant-a/members/${b.userId}/identities`, {
      token: a.token,
      body: { namespace: 'email', identifier: 'mine@a.test' },
    });
    expect(foreign.status).toBe(422);
    expect(foreign.body).toEqual({ outcome: 'no_member' });
    // B's view of its member lists nothing A asserted.
    const listed = await hub.request('GET', `/api/v1/workspaces/tenant-b/members/${bUser.id}/identities`, {
      token: b.token,
    });
    expect(
      listed.body.identities.every((i: { identifier: string }) => !i.identifier.includes('a.test')),
    ).toBe(true);
  });

  it('needs every secret to move an installation to another host, and refuses private hosts', async () => {
    const path = `/api/v1/workspaces/tenant-b/installations/${bInstallationId}`;
    const moved = await hub.request('PATCH', path, {
      token: b.token,
      body: { config: { api_base_url: 'https://collector.evil.example/api/' } },
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error.code).toBe('secrets_required');
    expect(moved.body.error.details).toEqual({
      changed: ['api_base_url'],
      missing: ['bot_token', 'signing_secret'],
    });
    const partial = await hub.request('PATCH', path, {
      token: b.token,
      body: { config: { api_base_url: 'https://collector.evil.example/api/', bot_token: 'xoxb-new' } },
    });
    expect(partial.body.error.details.missing).toEqual(['signing_secret']);
    for (const host of [
      'http://127.0.0.1:9/api/',
      'http://10.0.0.8/api/',
      'http://169.254.169.254/api/',
      'http://[::1]/api/',
    ]) {
      const res = await hub.request('PATCH', path, {
        token: b.token,
        body: { config: { api_base_url: host, ...SLACK_SECRETS } },
      });
      expect({ host, status: res.status, code: res.body.error?.code }).toEqual({
        host,
        status: 400,
        code: 'egress_refused',
      });
    }
    const withSecrets = await hub.request('PATCH', path, {
      token: b.token,
      body: { config: { api_base_url: 'https://slack.proxy.example/api/', ...SLACK_SECRETS } },
    });
    // With every secret the move passes the trust checks and reaches the install-time check
    // against Slack at the new host, which nothing answers in this suite (502, nothing stored).
    expect({ status: withSecrets.status, code: withSecrets.body.error?.code }).toEqual({
      status: 502,
      code: 'platform_unreachable',
    });
    expect(withSecrets.text).not.toContain(SLACK_SECRETS.bot_token);
    // Other fields need no secrets: the same platform check, not a secrets_required refusal.
    const policy = await hub.request('PATCH', path, {
      token: b.token,
      body: { config: { bot_user_id: 'U0BBOT002' } },
    });
    expect(policy.body.error?.code).not.toBe('secrets_required');
    expect(policy.status).not.toBe(400);
  });

  it('refuses agent delivery URLs on loopback, private, link-local and metadata addresses', async () => {
    for (const deliveryUrl of [
      'http://127.0.0.1:9/agent',
      'http://10.0.0.1/agent',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/agent',
      'http://localhost:8080/agent',
    ]) {
      const res = await hub.request('POST', '/api/v1/workspaces/tenant-a/agents', {
        token: a.token,
        body: { name: `agent-${deliveryUrl.length}`, deliveryUrl },
      });
      expect({ deliveryUrl, status: res.status, code: res.body.error?.code }).toEqual({
        deliveryUrl,
        status: 400,
        code: 'egress_refused',
      });
    }
  });

  it('issues, lists and revokes tokens; revoked and expired ones answer 401', async () => {
    const member = await hub.request('POST', '/api/v1/workspaces/tenant-a/members', {
      token: a.token,
      body: { username: 'tok-member' },
    });
    const issued = await hub.request('POST', '/api/v1/workspaces/tenant-a/tokens', {
      token: a.token,
      body: { name: 'for member', userId: member.body.userId },
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({
      name: 'for member',
      userId: member.body.userId,
      workspaceId: a.workspaceId,
      role: 'member',
      prefix: issued.body.token.slice(0, 10),
    });
    expect(issued.body.token).toMatch(/^sb_/);
    const days = (Date.parse(issued.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89);
    expect(days).toBeLessThanOrEqual(90);
    const memberToken = issued.body.token as string;

    // A member: issues their own (never above their role), not for others; lists their own only.
    const own = await hub.request('POST', '/api/v1/workspaces/tenant-a/tokens', {
      token: memberToken,
      body: { name: 'mine', expiresInDays: 1 },
    });
    expect(own.status).toBe(201);
    const above = await hub.request('POST', '/api/v1/workspaces/tenant-a/tokens', {
      token: memberToken,
      body: { name: 'mine', role: 'admin' },
    });
    expect(above.status).toBe(400);
    expect(above.body.error.code).toBe('role_too_high');
    const forOther = await hub.request('POST', '/api/v1/workspaces/tenant-a/tokens', {
      token: memberToken,
      body: { name: 'x', userId: a.userId },
    });
    expect(forOther.status).toBe(403);
    const mine = await hub.request('GET', '/api/v1/workspaces/tenant-a/tokens', { token: memberToken });
    expect(mine.body.items.every((t: { userId: string }) => t.userId === member.body.userId)).toBe(true);
    expect(mine.text).not.toContain(memberToken);
    const all = await hub.request('GET', '/api/v1/workspaces/tenant-a/tokens?limit=1', { token: a.token });
    expect(all.body.items).toHaveLength(1);
    expect(all.body.nextCursor).toEqual(expect.any(String));
    const next = await hub.request(
      'GET',
      `/api/v1/workspaces/tenant-a/tokens?limit=1&cursor=${all.body.nextCursor}`,
      {
        token: a.token,
      },
    );
    expect(next.body.items[0].id).not.toBe(all.body.items[0].id);
    expect(all.body.items[0]).toEqual(
      expect.objectContaining({ id: expect.any(String), prefix: expect.any(String), lastUsedAt: null }),
    );

    // An admin token scoped down to `member` cannot write.
    const scoped = await hub.request('POST', '/api/v1/workspaces/tenant-a/tokens', {
      token: a.token,
      body: { name: 'read only', role: 'member' },
    });
    const write = await hub.request('POST', '/api/v1/workspaces/tenant-a/agents', {
      token: scoped.body.token,
      body: { name: 'nope', deliveryUrl: 'https://agent.example/' },
    });
    expect(write.status).toBe(403);

    // The member cannot revoke another's token (404); the admin revokes theirs.
    expect(
      (
        await hub.request('DELETE', `/api/v1/workspaces/tenant-a/tokens/${scoped.body.id}`, {
          token: memberToken,
        })
      ).status,
    ).toBe(404);
    const revoked = await hub.request('DELETE', `/api/v1/workspaces/tenant-a/tokens/${issued.body.id}`, {
      token: a.token,
    });
    expect(revoked.status).toBe(204);
    expect((await hub.request('GET', '/api/v1/workspaces/tenant-a', { token: memberToken })).status).toBe(
      401,
    );
    await hub.database.db.prisma.apiToken.update({
      where: { id: own.body.id },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    expect((await hub.request('GET', '/api/v1/workspaces/tenant-a', { token: own.body.token })).status).toBe(
      401,
    );
  });

  it('lets only an owner change owners, transfers ownership explicitly and keeps one owner', async () => {
    const ws = await hub.seedWorkspace('roles-ws');
    const admin = await hub.request('POST', '/api/v1/workspaces/roles-ws/members', {
      token: ws.token,
      body: { username: 'roles-admin', role: 'admin' },
    });
    const adminToken = (
      await hub.runtime.stores.apiTokens.issue({ userId: admin.body.userId, workspaceId: ws.workspaceId })
    ).token;
    const demoteOwner = await hub.request('PATCH', `/api/v1/workspaces/roles-ws/members/${ws.userId}`, {
      token: adminToken,
      body: { role: 'member' },
    });
    expect(demoteOwner.status).toBe(403);
    const removeOwner = await hub.request('DELETE', `/api/v1/workspaces/roles-ws/members/${ws.userId}`, {
      token: adminToken,
    });
    expect(removeOwner.status).toBe(403);
    const selfPromote = await hub.request(
      'PATCH',
      `/api/v1/workspaces/roles-ws/members/${admin.body.userId}`,
      {
        token: adminToken,
        body: { role: 'owner' },
      },
    );
    expect(selfPromote.status).toBe(403);
    const addOwner = await hub.request('POST', '/api/v1/workspaces/roles-ws/members', {
      token: adminToken,
      body: { username: 'roles-new-owner', role: 'owner' },
    });
    expect(addOwner.status).toBe(403);
    const transferByAdmin = await hub.request('POST', '/api/v1/workspaces/roles-ws/ownership-transfer', {
      token: adminToken,
      body: { userId: admin.body.userId },
    });
    expect(transferByAdmin.status).toBe(403);
    const lastOwner = await hub.request('PATCH', `/api/v1/workspaces/roles-ws/members/${ws.userId}`, {
      token: ws.token,
      body: { role: 'admin' },
    });
    expect(lastOwner.status).toBe(409);
    expect(lastOwner.body.error.code).toBe('last_owner');
    const transfer = await hub.request('POST', '/api/v1/workspaces/roles-ws/ownership-transfer', {
      token: ws.token,
      body: { userId: admin.body.userId },
    });
    expect(transfer.status).toBe(200);
    expect(transfer.body).toMatchObject({
      from: { userId: ws.userId, role: 'admin' },
      to: { userId: admin.body.userId, role: 'owner' },
    });
  });

  it('keeps one owner and one admin when removals race', async () => {
    for (let round = 0; round < 5; round++) {
      // Two owners removing each other at once: exactly one succeeds.
      const ws = await hub.runtime.stores.workspaces.create({ slug: `race-owners-${round}` });
      const [u1, u2] = await Promise.all(
        [1, 2].map((n) => hub.runtime.stores.users.create({ username: `race-${round}-owner-${n}` })),
      );
      if (!u1 || !u2) throw new Error('users not created');
      await hub.runtime.stores.members.upsert(ws.id, u1.id, 'owner');
      await hub.runtime.stores.members.upsert(ws.id, u2.id, 'owner');
      const results = await Promise.allSettled([
        hub.runtime.stores.members.remove(ws.id, u1.id),
        hub.runtime.stores.members.changeRole(ws.id, u2.id, 'member'),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const left = await hub.runtime.stores.members.list(ws.id);
      expect(left.filter((m) => m.role === 'owner')).toHaveLength(1);

      // Two admins (no owner) removing each other at once: one admin stays.
      const ws2 = await hub.runtime.stores.workspaces.create({ slug: `race-admins-${round}` });
      const [v1, v2] = await Promise.all(
        [1, 2].map((n) => hub.runtime.stores.users.create({ username: `race-${round}-admin-${n}` })),
      );
      if (!v1 || !v2) throw new Error('users not created');
      await hub.runtime.stores.members.upsert(ws2.id, v1.id, 'admin');
      await hub.runtime.stores.members.upsert(ws2.id, v2.id, 'admin');
      const removals = await Promise.allSettled([
        hub.runtime.stores.members.remove(ws2.id, v1.id),
        hub.runtime.stores.members.remove(ws2.id, v2.id),
      ]);
      expect(removals.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(removals.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'last_admin' } });
      expect(await hub.runtime.stores.members.countAdmins(ws2.id)).toBe(1);
    }
  });

  it('wrote none of the tenants\u2019 tokens into the logs', () => {
    const logs = hub.logs.join('\n');
    expect(logs).not.toContain(a.token);
    expect(logs).not.toContain(b.token);
    expect(logs).not.toContain(SLACK_SECRETS.bot_token);
    expect(logs).not.toMatch(/sbi_[A-Za-z0-9_-]{20,}/);
  });
});
