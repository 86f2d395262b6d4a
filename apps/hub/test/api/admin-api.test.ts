import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

const ECHO_SECRET = 'echo-signing-secret-0001';

describe.each(testDatabaseKinds())('admin API [%s]', (kind) => {
  let hub: HubFixture;
  beforeAll(async () => {
    hub = await startHubFixture(kind);
  });
  afterAll(async () => {
    await hub?.close();
  });

  async function agentIn(token: string, ws: string, name = 'assistant') {
    const res = await hub.request('POST', `/api/v1/workspaces/${ws}/agents`, {
      token,
      body: { name, deliveryUrl: 'http://127.0.0.1:9/agent' },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  it('creates a workspace whose creator becomes owner', async () => {
    const { token, userId } = await hub.seedWorkspace('creator-home');
    const wide = await hub.runtime.stores.apiTokens.issue({ userId });
    const res = await hub.request('POST', '/api/v1/workspaces', {
      token: wide.token,
      body: { slug: 'fresh', name: 'Fresh' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ slug: 'fresh', name: 'Fresh' });
    const members = await hub.request('GET', '/api/v1/workspaces/fresh/members', { token: wide.token });
    expect(members.body.members).toEqual([expect.objectContaining({ userId, role: 'owner' })]);
    const again = await hub.request('POST', '/api/v1/workspaces', { token, body: { slug: 'fresh' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('workspace_exists');
  });

  it('reads a workspace by id or slug', async () => {
    const { token, workspaceId } = await hub.seedWorkspace('readable');
    expect((await hub.request('GET', `/api/v1/workspaces/${workspaceId}`, { token })).body.slug).toBe(
      'readable',
    );
    expect((await hub.request('GET', '/api/v1/workspaces/readable', { token })).body.id).toBe(workspaceId);
  });

  it('answers 401 without a token, with a malformed one and with an unknown one', async () => {
    await hub.seedWorkspace('auth-ws');
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Basic abc' },
      { authorization: 'Bearer sb_unknown' },
    ]) {
      const res = await hub.request('GET', '/api/v1/workspaces/auth-ws', { headers });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('answers 404 for another workspace and for one that does not exist, alike', async () => {
    const mine = await hub.seedWorkspace('mine-ws');
    const theirs = await hub.seedWorkspace('theirs-ws');
    const agentId = await agentIn(theirs.token, 'theirs-ws');
    for (const path of [
      '/api/v1/workspaces/theirs-ws',
      `/api/v1/workspaces/${theirs.workspaceId}/agents`,
      '/api/v1/workspaces/theirs-ws/members',
      '/api/v1/workspaces/no-such-ws',
    ]) {
      const res = await hub.request('GET', path, { token: mine.token });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const install = await hub.request('POST', '/api/v1/workspaces/mine-ws/installations', {
      token: mine.token,
      body: { agentId, channelType: 'echo', config: { signing_secret: ECHO_SECRET } },
    });
    expect(install.status).toBe(400);
    expect(install.body.error.code).toBe('unknown_agent');
  });

  it('lets members read but not write (403)', async () => {
    const { token } = await hub.seedWorkspace('readonly-ws', 'member');
    expect((await hub.request('GET', '/api/v1/workspaces/readonly-ws/agents', { token })).status).toBe(200);
    const res = await hub.request('POST', '/api/v1/workspaces/readonly-ws/agents', {
      token,
      body: { name: 'x', deliveryUrl: 'http://127.0.0.1:9/' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('adds a brand-new user by username and removes them, pruning their bindings', async () => {
    const { token, workspaceId } = await hub.seedWorkspace('team-ws');
    const added = await hub.request('POST', '/api/v1/workspaces/team-ws/members', {
      token,
      body: { username: 'erin.smith', email: 'Erin.Smith@example.com', role: 'member' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      username: 'erin.smith',
      email: 'erin.smith@example.com',
      role: 'member',
    });
    const agentId = await agentIn(token, 'team-ws');
    const install = await hub.request('POST', '/api/v1/workspaces/team-ws/installations', {
      token,
      body: { agentId, channelType: 'echo', config: { signing_secret: ECHO_SECRET } },
    });
    await hub.database.db.prisma.channelUserBinding.create({
      data: {
        installationId: install.body.id,
        channelType: 'echo',
        channelUserId: 'U-ERIN',
        userId: added.body.userId,
      },
    });
    const removed = await hub.request('DELETE', `/api/v1/workspaces/team-ws/members/${added.body.userId}`, {
      token,
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ removed: true, prunedBindings: 1 });
    expect(
      await hub.database.db.prisma.channelUserBinding.count({ where: { userId: added.body.userId } }),
    ).toBe(0);
    const list = await hub.request('GET', `/api/v1/workspaces/${workspaceId}/members`, { token });
    expect(list.body.members.map((m: { username: string }) => m.username)).not.toContain('erin.smith');
    expect(
      (await hub.request('DELETE', `/api/v1/workspaces/team-ws/members/${added.body.userId}`, { token }))
        .status,
    ).toBe(404);
  });

  it('refuses to remove the last owner or admin', async () => {
    const { token, userId } = await hub.seedWorkspace('lonely-ws');
    const res = await hub.request('DELETE', `/api/v1/workspaces/lonely-ws/members/${userId}`, { token });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('last_owner');
    const admin = await hub.seedWorkspace('lonely-admin-ws', 'admin');
    const own = await hub.request('DELETE', `/api/v1/workspaces/lonely-admin-ws/members/${admin.userId}`, {
      token: admin.token,
    });
    expect(own.status).toBe(409);
    expect(own.body.error.code).toBe('last_admin');
  });

  it('validates input with clear 400s', async () => {
    const { token } = await hub.seedWorkspace('valid-ws');
    const badMember = await hub.request('POST', '/api/v1/workspaces/valid-ws/members', {
      token,
      body: { role: 'member' },
    });
    expect(badMember.status).toBe(400);
    expect(badMember.body.error.code).toBe('invalid_input');
    const badAgent = await hub.request('POST', '/api/v1/workspaces/valid-ws/agents', {
      token,
      body: { name: 'a', deliveryUrl: 'ftp://nope' },
    });
    expect(badAgent.status).toBe(400);
    expect(badAgent.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: ['deliveryUrl'] })]),
    );
  });

  it('installs a channel: 201 with webhook URL and no secrets; 400 on invalid config; 409 on a second', async () => {
    const { token } = await hub.seedWorkspace('install-ws');
    const agentId = await agentIn(token, 'install-ws');
    const created = await hub.request('POST', '/api/v1/workspaces/install-ws/installations', {
      token,
      body: { agentId, channelType: 'echo', config: { signing_secret: ECHO_SECRET, app_id: 'ECHO-APP-1' } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      channelType: 'echo',
      status: 'active',
      webhookUrl: `${hub.url}/hooks/${created.body.id}`,
      secretsSet: ['signing_secret'],
    });
    expect(created.body.config.app_id).toBe('ECHO-APP-1');
    expect(created.text).not.toContain(ECHO_SECRET);

    const invalid = await hub.request('POST', '/api/v1/workspaces/install-ws/installations', {
      token,
      body: { agentId, channelType: 'echo', config: { signing_secret: 'short' } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_config');
    expect(invalid.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: ['signing_secret'] })]),
    );

    const second = await hub.request('POST', '/api/v1/workspaces/install-ws/installations', {
      token,
      body: { agentId, channelType: 'echo', config: { signing_secret: ECHO_SECRET } },
    });
    expect(second.status).toBe(409);
  });

  it('names the registered channel types when the type is unknown', async () => {
    const { token } = await hub.seedWorkspace('unknown-type-ws');
    const agentId = await agentIn(token, 'unknown-type-ws');
    const res = await hub.request('POST', '/api/v1/workspaces/unknown-type-ws/installations', {
      token,
      body: { agentId, channelType: 'carrier-pigeon', config: {} },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unknown_channel_type');
    expect(res.body.error.message).toContain('echo');
    expect(res.body.error.details.registeredTypes).toContain('echo');
  });

  it('patches part of the config, keeps the stored secret, and revokes', async () => {
    const { token } = await hub.seedWorkspace('patch-ws');
    const agentId = await agentIn(token, 'patch-ws');
    const created = await hub.request('POST', '/api/v1/workspaces/patch-ws/installations', {
      token,
      body: { agentId, channelType: 'echo', config: { signing_secret: ECHO_SECRET, bot_user_id: 'B1' } },
    });
    const path = `/api/v1/workspaces/patch-ws/installations/${created.body.id}`;
    const patched = await hub.request('PATCH', path, { token, body: { config: { bot_user_id: 'B2' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.config.bot_user_id).toBe('B2');
    const stored = await hub.runtime.stores.installations.getWithSecrets(created.body.id);
    expect(stored.secrets).toEqual({ signing_secret: ECHO_SECRET });
    const invalid = await hub.request('PATCH', path, { token, body: { config: { signing_secret: 'x' } } });
    expect(invalid.status).toBe(400);

    const revoked = await hub.request('DELETE', path, { token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await hub.request('GET', path, { token })).body.status).toBe('revoked');
    expect(
      (await hub.request('GET', '/api/v1/workspaces/patch-ws/installations', { token })).body.installations,
    ).toHaveLength(1);
  });

  it('answers 400 for malformed JSON and 413 for a body over 1 MiB', async () => {
    const { token } = await hub.seedWorkspace('limits-ws');
    const malformed = await hub.request('POST', '/api/v1/workspaces/limits-ws/agents', {
      token,
      raw: '{"name": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024), deliveryUrl: 'http://127.0.0.1:9/' });
    const tooLarge = await hub.request('POST', '/api/v1/workspaces/limits-ws/agents', { token, raw: huge });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('payload_too_large');
  });
});
