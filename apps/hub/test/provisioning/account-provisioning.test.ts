import { testDatabaseKinds } from '@switchboard/db/testing';
import slackPlugin from '@switchboard/slack';
import { echoPlugin } from '@switchboard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelRegistry } from '../../src/channels/registry.js';
import {
  FAKE_INVITE,
  type FakeInvitePlatform,
  fakeInvitePlugin,
  startFakeInvitePlatform,
} from '../support/fake-invite.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

const WEBHOOK_SECRET = 'fake-invite-webhook-secret';

/**
 * An account provisioner (an org on an invitation platform) as its own installation, with no chat
 * and no agent; every outcome of `createAccount` and the invitation lifecycle after it.
 */
describe.each(testDatabaseKinds())('account provisioning [%s]', (kind) => {
  let hub: HubFixture;
  let platform: FakeInvitePlatform;
  let token: string;
  let workspaceId: string;
  let installationId: string;
  let hookUrl: string;
  let users = 0;

  beforeAll(async () => {
    platform = await startFakeInvitePlatform();
    hub = await startHubFixture(kind, {
      registry: createChannelRegistry([
        { name: '@switchboard/slack', plugin: slackPlugin },
        { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
        { name: FAKE_INVITE, plugin: fakeInvitePlugin },
      ]),
    });
    ({ token, workspaceId } = await hub.seedWorkspace('org-ws'));
    const created = await hub.request('POST', '/api/v1/workspaces/org-ws/installations', {
      token,
      body: {
        channelType: FAKE_INVITE,
        config: {
          org: 'acme',
          token: 'fake-invite-token-1',
          webhook_secret: WEBHOOK_SECRET,
          api_base_url: platform.url,
        },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      agentId: null,
      channelType: FAKE_INVITE,
      secretsSet: ['token', 'webhook_secret'],
    });
    expect(created.text).not.toContain('fake-invite-token-1');
    installationId = created.body.id;
    hookUrl = `${hub.url}/hooks/accounts/${installationId}`;
    expect(created.body.webhookUrl).toMatch(new RegExp(`/hooks/accounts/${installationId}$`));
  });
  afterAll(async () => {
    await hub?.close();
    await platform?.close();
  });

  async function member(): Promise<string> {
    const user = await hub.runtime.stores.users.create({ username: `person-${++users}` });
    await hub.runtime.stores.members.upsert(workspaceId, user.id, 'member');
    return user.id;
  }
  const ask = (userId: string, body: Record<string, unknown>) =>
    hub.request('POST', `/api/v1/workspaces/org-ws/members/${userId}/accounts`, {
      token,
      body: { installationId, ...body },
    });
  const accountsOf = async (userId: string) =>
    (await hub.request('GET', `/api/v1/workspaces/org-ws/members/${userId}/accounts`, { token })).body
      .accounts;

  it('invites, keeps the grants until the invitation is accepted, then applies them once', async () => {
    const userId = await member();
    const asked = await ask(userId, { login: 'alice', grants: [{ kind: 'team', target: 'platform' }] });
    expect(asked.status, asked.text).toBe(201);
    expect(asked.body).toMatchObject({ state: 'invited', externalId: 'inv-1', grantsAppliedAt: null });
    expect(asked.body.expiresAt).toBe('2030-01-08T00:00:00.000Z');
    expect(platform.teamMemberships).toEqual([]);

    // Asking again returns the open request; the platform is not asked twice.
    const again = await ask(userId, { login: 'alice' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(asked.body.id);
    expect(platform.invitations).toHaveLength(1);

    expect((await platform.accept(hookUrl, 'inv-1', WEBHOOK_SECRET)).status).toBe(200);
    const [accepted] = await accountsOf(userId);
    expect(accepted).toMatchObject({
      id: asked.body.id,
      state: 'active',
      externalId: 'm-alice',
      lastError: null,
    });
    expect(accepted.grantsAppliedAt).toEqual(expect.any(String));
    expect(platform.teamMemberships).toEqual(['platform/alice']);

    // The platform redelivers its event: nothing changes, the grants are not applied again.
    expect((await platform.accept(hookUrl, 'inv-1', WEBHOOK_SECRET)).status).toBe(200);
    expect(platform.teamMemberships).toEqual(['platform/alice']);
  });

  it('is active at once when the platform adds the account, with the grants applied', async () => {
    const userId = await member();
    const asked = await ask(userId, { login: 'direct-bob', grants: [{ kind: 'team', target: 'ops' }] });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({
      state: 'active',
      externalId: 'm-direct-bob',
      detail: { outcome: 'success' },
    });
    expect(asked.body.grantsAppliedAt).toEqual(expect.any(String));
    expect(platform.teamMemberships).toContain('ops/direct-bob');
  });

  it('records an account that already exists as active', async () => {
    const userId = await member();
    const asked = await ask(userId, { login: 'member-carol' });
    expect(asked.body).toMatchObject({
      state: 'active',
      externalId: 'm-member-carol',
      detail: { outcome: 'already_exists' },
    });
  });

  it('records a refusal as failed with its code, and a later request tries again', async () => {
    const userId = await member();
    const asked = await ask(userId, { login: 'forbidden-dave' });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ state: 'failed', detail: { errorCode: 'forbidden' } });
    expect(asked.body.lastError).toContain('refused');
    const retried = await ask(userId, { login: 'forbidden-dave' });
    expect(retried.status).toBe(201);
    expect(retried.body.id).not.toBe(asked.body.id);
  });

  it('moves an invitation that expired to expired, and never activates it afterwards', async () => {
    const userId = await member();
    const asked = await ask(userId, { login: 'erin' });
    expect(asked.body.state).toBe('invited');
    expect((await platform.expire(hookUrl, asked.body.externalId, WEBHOOK_SECRET)).status).toBe(200);
    expect((await accountsOf(userId))[0]).toMatchObject({ state: 'expired' });
    expect((await platform.accept(hookUrl, asked.body.externalId, WEBHOOK_SECRET)).status).toBe(200);
    expect((await accountsOf(userId))[0]).toMatchObject({ state: 'expired' });
  });

  it('cancels an invitation on the platform and keeps a final row as it is', async () => {
    const userId = await member();
    const asked = await ask(userId, { login: 'frank' });
    const path = `/api/v1/workspaces/org-ws/members/${userId}/accounts/${asked.body.id}`;
    const canceled = await hub.request('DELETE', path, { token });
    expect(canceled.status).toBe(200);
    expect(canceled.body.state).toBe('canceled');
    expect(platform.invitations.find((invitation) => invitation.id === asked.body.externalId)?.canceled).toBe(
      true,
    );
    expect((await platform.accept(hookUrl, asked.body.externalId, WEBHOOK_SECRET)).status).toBe(200);
    expect((await hub.request('DELETE', path, { token })).body.state).toBe('canceled');
    const strangerPath = `/api/v1/workspaces/org-ws/members/${await member()}/accounts/${asked.body.id}`;
    expect((await hub.request('DELETE', strangerPath, { token })).status).toBe(404);
  });

  it('refuses a forged webhook and webhooks for unknown installations', async () => {
    expect((await platform.accept(hookUrl, 'inv-1', 'not-the-webhook-secret')).status).toBe(401);
    const unknown = `${hub.url}/hooks/accounts/00000000-0000-4000-8000-000000000000`;
    expect((await platform.accept(unknown, 'inv-1', WEBHOOK_SECRET)).status).toBe(404);
  });

  it('lists the provisioner type with its config schema, secrets write-only', async () => {
    const res = await hub.request('GET', '/api/v1/channel-types', { token });
    const item = res.body.items.find((candidate: { type: string }) => candidate.type === FAKE_INVITE);
    expect(item).toMatchObject({ kind: 'account-provisioner', capabilities: ['account_provisioning'] });
    expect(item.configSchema.properties.token.writeOnly).toBe(true);
    expect(res.body.items.find((candidate: { type: string }) => candidate.type === 'slack').kind).toBe(
      'channel',
    );
  });

  it('refuses a channel installation, a non-member and bad input with 4xx', async () => {
    const userId = await member();
    const other = await hub.request('POST', `/api/v1/workspaces/org-ws/members/${userId}/accounts`, {
      token,
      body: { installationId: '00000000-0000-4000-8000-000000000000', login: 'x' },
    });
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('unknown_installation');
    const stranger = await hub.runtime.stores.users.create({ username: 'stranger' });
    expect((await ask(stranger.id, { login: 'stranger' })).status).toBe(404);
    expect((await ask(userId, { login: 'x', email: 'not-an-email' })).status).toBe(400);
  });
});
