import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../support/fake-agent.js';
import type { HubFixture } from '../support/hub-fixture.js';
import {
  APP,
  BOT,
  eventually,
  postToHook,
  type SlackScenario,
  startSlackScenario,
  TEAM,
} from '../support/slack-scenario.js';

/** A `member_joined_channel` (or `member_left_channel`) event as Slack posts it. */
function memberEvent(options: { eventId: string; user: string; left?: boolean; team?: string }) {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM,
    api_app_id: APP,
    type: 'event_callback',
    event_id: options.eventId,
    event_time: 1_760_000_500,
    event: {
      type: options.left ? 'member_left_channel' : 'member_joined_channel',
      user: options.user,
      channel: 'C0GENERAL1',
      channel_type: 'C',
      team: options.team ?? TEAM,
      event_ts: '1760000500.000100',
    },
    authorizations: [{ team_id: TEAM, user_id: BOT, is_bot: true }],
  };
}

describe.each(testDatabaseKinds())('membership events provisioning members [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let agent: FakeAgent;
  let setup: SlackScenario['setup'];

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'joiners');
    ({ hub, agent, setup } = scenario);
    const patched = await hub.request(
      'PATCH',
      `/api/v1/workspaces/joiners/installations/${setup.installationId}`,
      {
        token: setup.token,
        body: { config: { auto_provision: true } },
      },
    );
    expect(patched.status).toBe(200);
    const subscribed = await hub.request(
      'PUT',
      `/api/v1/workspaces/joiners/agents/${setup.agentId}/event-types`,
      {
        token: setup.token,
        body: { eventTypes: ['message', 'membership'] },
      },
    );
    expect(subscribed.status).toBe(200);
    scenario.slack.users.set('U0JOINER1', {
      id: 'U0JOINER1',
      team_id: TEAM,
      profile: { display_name: 'Joiner', email: 'joiner@acme.test' },
    });
    scenario.slack.users.set('U0GUESTJ1', {
      id: 'U0GUESTJ1',
      team_id: TEAM,
      is_restricted: true,
      profile: {},
    });
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const audit = (eventId: string) =>
    eventually(async () => {
      const res = await hub.request('GET', `/api/v1/workspaces/joiners/audit?platformEventId=${eventId}`, {
        token: setup.token,
      });
      const rows = res.body.entries as Array<{
        reason: string;
        userId: string | null;
        detail: Record<string, unknown>;
      }>;
      return rows.some((row) => row.reason === 'delivered' || row.reason === 'not_subscribed')
        ? rows
        : undefined;
    });

  it('provisions a member who joins a channel and tells the agent who they now are', async () => {
    await postToHook(hub, setup.installationId, memberEvent({ eventId: 'Ev0JOIN001', user: 'U0JOINER1' }));
    const rows = await audit('Ev0JOIN001');
    expect(rows.map((row) => row.reason).sort()).toEqual(['delivered', 'provisioned']);
    const identity = await hub.runtime.stores.identities.find('slack', `${TEAM}:U0JOINER1`);
    expect(identity.source).toBe('provisioned');
    expect(await hub.runtime.stores.members.find(setup.workspaceId, identity.userId)).toBeTruthy();
    expect(rows.find((row) => row.reason === 'delivered')).toMatchObject({
      userId: identity.userId,
      detail: { kind: 'membership', action: 'member_joined', provisioning: 'created' },
    });
    const delivery = await eventually(() => agent.deliveries.find((d) => d.body.type === 'membership'));
    expect(delivery.body.membership).toMatchObject({
      action: 'member_joined',
      chatId: 'C0GENERAL1',
      member: { id: 'U0JOINER1' },
      user: { id: identity.userId },
    });

    // Their first message needs no second provisioning: the join bound them.
    const before = await hub.runtime.database.prisma.user.count();
    await postToHook(
      hub,
      setup.installationId,
      memberEvent({ eventId: 'Ev0LEFT001', user: 'U0JOINER1', left: true }),
    );
    expect((await audit('Ev0LEFT001')).find((row) => row.reason === 'delivered')?.userId).toBe(
      identity.userId,
    );
    expect(await hub.runtime.database.prisma.user.count()).toBe(before);
  });

  it('provisions no guest and nobody of another team, and still reports their joining', async () => {
    await postToHook(hub, setup.installationId, memberEvent({ eventId: 'Ev0JOIN002', user: 'U0GUESTJ1' }));
    expect((await audit('Ev0JOIN002')).map((row) => row.reason)).toEqual(['delivered']);
    expect((await audit('Ev0JOIN002'))[0]?.detail).toMatchObject({ provisioning: 'external_guest' });
    await postToHook(
      hub,
      setup.installationId,
      memberEvent({ eventId: 'Ev0JOIN003', user: 'U0CONNECT', team: 'T0ELSEWHERE' }),
    );
    expect((await audit('Ev0JOIN003'))[0]?.detail).toMatchObject({ provisioning: 'external_guest' });
    await expect(hub.runtime.stores.identities.find('slack', `${TEAM}:U0GUESTJ1`)).rejects.toThrow();
  });

  it('does not provision when the bot itself is added', async () => {
    const before = await hub.runtime.database.prisma.user.count();
    await postToHook(hub, setup.installationId, memberEvent({ eventId: 'Ev0BOTADD1', user: BOT }));
    const [row] = await audit('Ev0BOTADD1');
    expect(row?.detail).toMatchObject({ action: 'bot_added' });
    expect(row?.detail).not.toHaveProperty('provisioning');
    expect(await hub.runtime.database.prisma.user.count()).toBe(before);
  });
});
