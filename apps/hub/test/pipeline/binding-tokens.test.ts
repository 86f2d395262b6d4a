import { testDatabaseKinds } from '@switchboard/db/testing';
import type { FakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubFixture } from '../support/hub-fixture.js';
import {
  eventually,
  postToHook,
  type SlackScenario,
  slackMessage,
  startSlackScenario,
} from '../support/slack-scenario.js';

describe.each(testDatabaseKinds())('binding tokens [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let slack: FakeSlack;
  let setup: SlackScenario['setup'];

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'binding');
    ({ hub, slack, setup } = scenario);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const issue = (channelUserId: string) =>
    hub.runtime.stores.bindingTokens.issue({
      installationId: setup.installationId,
      channelType: 'slack',
      channelUserId,
    });
  const redeem = (token: string, bearer: string) =>
    hub.request('POST', '/api/v1/binding-tokens/redeem', { token: bearer, body: { token } });

  async function memberToken(username: string, role: 'member' | 'admin' = 'member') {
    const user = await hub.runtime.stores.users.create({ username });
    await hub.runtime.stores.members.upsert(setup.workspaceId, user.id, role);
    return { userId: user.id, token: (await hub.runtime.stores.apiTokens.issue({ userId: user.id })).token };
  }

  it('stores only a hash, and a token works once', async () => {
    const issued = await issue('U0ONCE001');
    if (issued.status !== 'issued') throw new Error('expected a token');
    const rows = await hub.runtime.database.prisma.channelBindingToken.findMany({
      where: { channelUserId: 'U0ONCE001' },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).not.toContain(issued.token);
    expect(JSON.stringify(rows)).not.toContain(issued.token.slice(4, 20));
    expect((await redeem(issued.token, setup.token)).status).toBe(200);
    const again = await redeem(issued.token, setup.token);
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('binding_token_gone');
  });

  it('answers 410 for unknown and expired tokens (expiry is the database clock)', async () => {
    expect((await redeem('sbl_not-a-real-token', setup.token)).status).toBe(410);
    const issued = await issue('U0EXPIRE1');
    if (issued.status !== 'issued') throw new Error('expected a token');
    const lifetime = issued.expiresAt.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    await hub.runtime.database.prisma.$executeRaw`
      UPDATE channel_binding_token SET expires_at = now() - interval '1 second' WHERE channel_user_id = 'U0EXPIRE1'`;
    expect((await redeem(issued.token, setup.token)).status).toBe(410);
  });

  it('answers 403 to a non-member and 409 when bound to someone else, without burning the token', async () => {
    const outsider = await hub.seedWorkspace('elsewhere');
    const issued = await issue('U0CONTEST');
    if (issued.status !== 'issued') throw new Error('expected a token');
    const notMember = await redeem(issued.token, outsider.token);
    expect(notMember.status).toBe(403);

    const owner = await memberToken('contest-owner');
    await hub.runtime.stores.bindings.bind({
      installationId: setup.installationId,
      channelType: 'slack',
      channelUserId: 'U0CONTEST',
      userId: owner.userId,
    });
    const conflict = await redeem(issued.token, setup.token);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('already_bound');
    // Neither refusal consumed it: the rightful user can still redeem it.
    expect((await redeem(issued.token, owner.token)).status).toBe(200);
  });

  it('issues at most one live token per channel user per minute, even under concurrency', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => issue('U0BURST01')));
    expect(results.filter((r) => r.status === 'issued')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'throttled')).toHaveLength(4);
  });

  it('starts the flow on /link and never posts a link into a group', async () => {
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0LINK001', user: 'U0LINKER1', text: '/link' }),
    );
    const dm = await eventually(() =>
      slack.callsTo('chat.postMessage').find((call) => String(call.params.text).includes('token=')),
    );
    expect(dm.params.channel).toBe('D0DM00001');
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({
        eventId: 'Ev0GROUP01',
        user: 'U0GROUPIE',
        channel: 'C0PUBLIC01',
        mention: true,
        text: '<@U0BOT0001> hi',
      }),
    );
    const hint = await eventually(() =>
      slack.callsTo('chat.postMessage').find((call) => call.params.channel === 'C0PUBLIC01'),
    );
    expect(String(hint.params.text)).not.toContain('token=');
    const audit = await hub.request('GET', '/api/v1/workspaces/binding/audit', { token: setup.token });
    const reasons = (audit.body.entries as Array<{ reason: string; platformEventId: string }>).map((e) => [
      e.platformEventId,
      e.reason,
    ]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['Ev0LINK001', 'link_requested'],
        ['Ev0GROUP01', 'not_bound'],
      ]),
    );
  });
});
