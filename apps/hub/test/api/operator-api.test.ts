import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorCredential } from '../../src/http/operator.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

const BOT_TOKEN = 'xoxb-operator-test';

describe.each(testDatabaseKinds())('operator credential and first-hour endpoints [%s]', (kind) => {
  let hub: HubFixture;
  let slack: FakeSlack;
  const operator = createOperatorCredential();

  beforeAll(async () => {
    hub = await startHubFixture(kind, { workers: false, operator });
    slack = await startFakeSlack({ botTokens: [BOT_TOKEN], teamId: 'T0OPS0001', botUserId: 'U0OPSBOT1' });
  });
  afterAll(async () => {
    await hub?.close();
    await slack?.close();
  });

  it('lets the operator create and list every workspace, page by page, but not act inside one', async () => {
    for (const slug of ['op-a', 'op-b', 'op-c']) {
      const created = await hub.request('POST', '/api/v1/workspaces', {
        token: operator.token,
        body: { slug },
      });
      expect(created.status).toBe(201);
    }
    const first = await hub.request('GET', '/api/v1/workspaces?limit=2', { token: operator.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((w: { slug: string }) => w.slug)).toEqual(['op-a', 'op-b']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await hub.request('GET', `/api/v1/workspaces?limit=2&cursor=${first.body.nextCursor}`, {
      token: operator.token,
    });
    expect(second.body.items.map((w: { slug: string }) => w.slug)).toEqual(['op-c']);
    expect(second.body.nextCursor).toBeNull();
    // Not a workspace admin: inside a workspace it is a stranger.
    expect((await hub.request('GET', '/api/v1/workspaces/op-a', { token: operator.token })).status).toBe(404);
    expect(
      (await hub.request('GET', '/api/v1/workspaces/op-a/agents', { token: operator.token })).status,
    ).toBe(404);
    // A near-miss token is not the operator's.
    const forged = `${operator.token.slice(0, -1)}${operator.token.endsWith('A') ? 'B' : 'A'}`;
    expect((await hub.request('GET', '/api/v1/workspaces', { token: forged })).status).toBe(401);
  });

  it("lists only a user's own workspaces", async () => {
    const { token } = await hub.seedWorkspace('mine-only');
    const listed = await hub.request('GET', '/api/v1/workspaces', { token });
    expect(listed.body).toEqual({
      items: [expect.objectContaining({ slug: 'mine-only' })],
      nextCursor: null,
    });
  });

  it('creates the first admin once, never adopts an existing user, and is the operator’s alone', async () => {
    await hub.request('POST', '/api/v1/workspaces', { token: operator.token, body: { slug: 'first-admin' } });
    const created = await hub.request('POST', '/api/v1/workspaces/first-admin/admins', {
      token: operator.token,
      body: { username: 'founder', email: 'founder@acme.test' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: 'founder',
      role: 'owner',
      token: expect.stringMatching(/^sb_/),
    });
    const asFounder = await hub.request('GET', '/api/v1/workspaces/first-admin', {
      token: created.body.token,
    });
    expect(asFounder.status).toBe(200);
    // The operator's word about the email counts in this workspace only.
    const email = await hub.runtime.stores.identities.find('email', 'founder@acme.test', {
      workspaceId: created.body.workspace.id,
    });
    expect(email).toMatchObject({ workspaceId: created.body.workspace.id, source: 'admin' });
    await expect(hub.runtime.stores.identities.find('email', 'founder@acme.test')).rejects.toThrow(
      /not found/i,
    );

    const again = await hub.request('POST', '/api/v1/workspaces/first-admin/admins', {
      token: operator.token,
      body: { username: 'second' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('workspace_has_admin');

    await hub.request('POST', '/api/v1/workspaces', { token: operator.token, body: { slug: 'adopt-no' } });
    const adopt = await hub.request('POST', '/api/v1/workspaces/adopt-no/admins', {
      token: operator.token,
      body: { username: 'founder' },
    });
    expect(adopt.status).toBe(409);
    expect(adopt.body.error.code).toBe('username_taken');

    const byOwner = await hub.request('POST', '/api/v1/workspaces/adopt-no/admins', {
      token: created.body.token,
      body: { username: 'sneaky' },
    });
    expect(byOwner.status).toBe(403);
  });

  it('rotates an agent delivery secret, returns it once and signs with it from then on', async () => {
    const { token } = await hub.seedWorkspace('rotate');
    const agent = await hub.request('POST', '/api/v1/workspaces/rotate/agents', {
      token,
      body: { name: 'bot', deliveryUrl: 'http://127.0.0.1:1/deliver' },
    });
    const rotated = await hub.request(
      'POST',
      `/api/v1/workspaces/rotate/agents/${agent.body.id}/delivery-secret`,
      {
        token,
      },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: agent.body.id, hasDeliverySecret: true });
    expect(rotated.body.deliverySecret.length).toBeGreaterThanOrEqual(32);
    expect(await hub.runtime.stores.agents.deliverySecret(agent.body.id)).toBe(rotated.body.deliverySecret);
    const listed = await hub.request('GET', '/api/v1/workspaces/rotate/agents', { token });
    expect(listed.text).not.toContain(rotated.body.deliverySecret);
    const other = await hub.seedWorkspace('rotate-other');
    const foreign = await hub.request(
      'POST',
      `/api/v1/workspaces/rotate-other/agents/${agent.body.id}/delivery-secret`,
      { token: other.token },
    );
    expect(foreign.status).toBe(404);
  });

  describe('Slack installations', () => {
    let token: string;
    let agentId: string;
    beforeAll(async () => {
      ({ token } = await hub.seedWorkspace('slack-setup'));
      agentId = (
        await hub.request('POST', '/api/v1/workspaces/slack-setup/agents', {
          token,
          body: { name: 'slackbot', deliveryUrl: 'http://127.0.0.1:1/deliver' },
        })
      ).body.id;
    });
    const install = (config: Record<string, unknown>) =>
      hub.request('POST', '/api/v1/workspaces/slack-setup/installations', {
        token,
        body: { agentId, channelType: 'slack', config: { api_base_url: slack.url, ...config } },
      });

    it('names an unknown key and the key that was meant, before asking Slack anything', async () => {
      const calls = slack.calls.length;
      const res = await install({ signingSecret: 'x', bot_token: BOT_TOKEN });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_config');
      expect(res.body.error.message).toContain('unknown key "signingSecret" (did you mean signing_secret?)');
      expect(slack.calls.length).toBe(calls);
    });

    it('refuses a bad bot token with Slack’s error code', async () => {
      const res = await install({ signing_secret: 'slack-secret', bot_token: 'xoxb-1' });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({
        code: 'config_rejected',
        details: { platformError: 'invalid_auth' },
      });
      expect(res.text).not.toContain('xoxb-1');
    });

    it('refuses a team id the token does not belong to', async () => {
      const res = await install({
        signing_secret: 'slack-secret',
        bot_token: BOT_TOKEN,
        team_id: 'T0SOMEONE',
      });
      expect(res.status).toBe(422);
      expect(res.body.error.details.platformError).toBe('team_id_mismatch');
    });

    it('fills team, bot user and app ids from auth.test and bots.info, and reports status', async () => {
      const res = await install({ signing_secret: 'slack-secret', bot_token: BOT_TOKEN });
      expect(res.status).toBe(201);
      expect(res.body.config).toMatchObject({
        team_id: 'T0OPS0001',
        bot_user_id: 'U0OPSBOT1',
        app_id: 'A0FAKEAPP',
      });
      expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);
      const status = await hub.request(
        'GET',
        `/api/v1/workspaces/slack-setup/installations/${res.body.id}/status`,
        {
          token,
        },
      );
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ id: res.body.id, status: 'active', runtime: { inboxBacklog: 0 } });
    });

    it('answers 502 when Slack cannot be reached at all', async () => {
      const res = await install({
        signing_secret: 'slack-secret',
        bot_token: BOT_TOKEN,
        api_base_url: 'http://127.0.0.1:1/api/',
      });
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('platform_unreachable');
    });
  });
});
