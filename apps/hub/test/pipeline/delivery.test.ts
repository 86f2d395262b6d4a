import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/agent-delivery/signature.js';
import type { FakeAgent } from '../support/fake-agent.js';
import type { HubFixture } from '../support/hub-fixture.js';
import {
  eventually,
  nextTs,
  postToHook,
  type SlackScenario,
  slackMessage,
  startSlackScenario,
} from '../support/slack-scenario.js';

describe.each(testDatabaseKinds())('agent delivery [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let agent: FakeAgent;
  let setup: SlackScenario['setup'];
  // Retry budgets are measured on this clock; the dead-letter test moves it a day ahead.
  let clockOffsetMs = 0;

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'delivery', {
      now: () => Date.now() + clockOffsetMs,
      pipeline: {
        delivery: {
          timeoutMs: 1_500,
          maxAttempts: 4,
          backoff: { baseMs: 20, maxMs: 60 },
          circuit: { failureThreshold: 50, probeIntervalMs: 100 },
        },
      },
    });
    ({ hub, agent, setup } = scenario);
    for (const user of ['U0ALICE01', 'U0BOB0001']) {
      await hub.runtime.stores.bindings.bind({
        installationId: setup.installationId,
        channelType: 'slack',
        channelUserId: user,
        userId: setup.userId,
      });
    }
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const reasonsOf = async (eventId: string) => {
    const res = await hub.request('GET', `/api/v1/workspaces/delivery/audit?platformEventId=${eventId}`, {
      token: setup.token,
    });
    return (res.body.entries as Array<{ reason: string; detail: Record<string, unknown> }>) ?? [];
  };

  it('retries a failing agent with the same delivery id until it answers 2xx', async () => {
    agent.next({ status: 503 }, { hang: true });
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0RETRY01', user: 'U0ALICE01', text: 'retry me' }),
    );
    await eventually(async () => ((await reasonsOf('Ev0RETRY01')).length > 0 ? true : undefined));
    const attempts = agent.deliveries.filter((d) => d.body.message.text === 'retry me');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((d) => d.deliveryId)).size).toBe(1);
    expect(attempts.every((d) => d.signatureValid)).toBe(true);
    expect((await reasonsOf('Ev0RETRY01')).map((e) => e.reason)).toEqual(['delivered']);
  });

  it('dead-letters once the retry budget is spent, shows it in the API, and delivers it when re-queued', async () => {
    agent.always({ status: 500 });
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0DEAD001', user: 'U0ALICE01', text: 'doomed' }),
    );
    await eventually(() =>
      agent.deliveries.filter((d) => d.body.message.text === 'doomed').length >= 3 ? true : undefined,
    );
    expect(await reasonsOf('Ev0DEAD001')).toEqual([]);
    clockOffsetMs = 25 * 3_600_000;
    const [entry] = await eventually(async () => {
      const entries = await reasonsOf('Ev0DEAD001');
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry?.reason).toBe('delivery_failed');
    expect(entry?.detail).toMatchObject({ error: 'agent answered HTTP 500', retryBudgetMs: 24 * 3_600_000 });
    clockOffsetMs = 0;
    const letters = await hub.request('GET', '/api/v1/workspaces/delivery/dead-letters', {
      token: setup.token,
    });
    const letter = letters.body.deadLetters.find(
      (l: { platformEventId: string }) => l.platformEventId === 'Ev0DEAD001',
    );
    expect(letter).toMatchObject({ lastError: 'agent answered HTTP 500', heldMessages: 0 });
    expect(letter.attempts).toBeGreaterThanOrEqual(3);
    const status = await hub.request(
      'GET',
      `/api/v1/workspaces/delivery/installations/${setup.installationId}`,
      {
        token: setup.token,
      },
    );
    expect(status.body.runtime.deadLetters).toBeGreaterThanOrEqual(1);

    agent.always({ status: 200 });
    const retry = await hub.request(
      'POST',
      `/api/v1/workspaces/delivery/dead-letters/${letter.deliveryId}/retry`,
      {
        token: setup.token,
      },
    );
    expect(retry.status).toBe(202);
    await eventually(() => (agent.delivered().has(letter.deliveryId) ? true : undefined));
  });

  it('keeps one conversation in order while another proceeds', async () => {
    // The first message of the DM fails twice; the later ones of the same DM must wait for it,
    // while a message in another conversation is delivered meanwhile.
    const texts = ['first', 'second', 'third'];
    agent.next({ status: 503 }, { status: 503 });
    for (const [index, text] of texts.entries()) {
      await postToHook(
        hub,
        setup.installationId,
        slackMessage({ eventId: `Ev0ORDER0${index}`, user: 'U0ALICE01', channel: 'D0ORDERED', text }),
      );
    }
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0OTHER01', user: 'U0BOB0001', channel: 'D0OTHERDM', text: 'elsewhere' }),
    );
    await eventually(() =>
      agent.deliveries.filter(
        (d) => d.body.message.source.chatId === 'D0ORDERED' && d.body.message.text === 'third',
      ).length > 0
        ? true
        : undefined,
    );
    const successful = agent.deliveries
      .filter((d) => d.body.message.source.chatId === 'D0ORDERED' && agent.delivered().has(d.deliveryId))
      .map((d) => d.body.message.text);
    expect([...new Set(successful)]).toEqual(texts);
    // No later message of the conversation was attempted before the first one succeeded.
    const firstSuccess = agent.deliveries.findIndex(
      (d) => d.body.message.text === 'first' && agent.delivered().has(d.deliveryId),
    );
    const firstOfLater = agent.deliveries.findIndex((d) => d.body.message.text === 'second');
    expect(firstOfLater).toBeGreaterThan(firstSuccess);
    expect(agent.deliveries.some((d) => d.body.message.text === 'elsewhere')).toBe(true);
  });

  it('binds the chat to the session the agent names and sends it back next time', async () => {
    agent.next({ status: 200, sessionId: 'session-42' });
    const threadTs = nextTs();
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({
        eventId: 'Ev0SESS001',
        user: 'U0ALICE01',
        channel: 'C0TEAM0001',
        mention: true,
        threadTs,
        text: 'one',
      }),
    );
    await eventually(() => agent.deliveries.find((d) => d.body.message.text === 'one'));
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({
        eventId: 'Ev0SESS002',
        user: 'U0ALICE01',
        channel: 'C0TEAM0001',
        mention: true,
        threadTs,
        text: 'two',
      }),
    );
    const second = await eventually(() => agent.deliveries.find((d) => d.body.message.text === 'two'));
    expect(second.body.session).toEqual({ id: 'session-42' });
    const first = agent.deliveries.find((d) => d.body.message.text === 'one');
    expect(first?.body.session).toBeUndefined();

    // The agent ends the session: the chat is unbound and the next message carries none.
    const path = `/api/v1/installations/${setup.installationId}/sessions/session-42`;
    const signed = signBody(agent.secret, '');
    const ended = await hub.request('DELETE', path, { headers: { 'x-switchboard-signature': signed } });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ sessionId: 'session-42', prunedChats: 1 });
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({
        eventId: 'Ev0SESS003',
        user: 'U0ALICE01',
        channel: 'C0TEAM0001',
        mention: true,
        threadTs,
        text: 'three',
      }),
    );
    const third = await eventually(() => agent.deliveries.find((d) => d.body.message.text === 'three'));
    expect(third.body.session).toBeUndefined();
  });

  it("drops a former member's binding and audits non_workspace_member", async () => {
    const formerUser = await hub.runtime.stores.users.create({ username: 'former-member' });
    await hub.runtime.stores.members.upsert(setup.workspaceId, formerUser.id, 'member');
    await hub.runtime.stores.bindings.bind({
      installationId: setup.installationId,
      channelType: 'slack',
      channelUserId: 'U0FORMER1',
      userId: formerUser.id,
    });
    const removed = await hub.request('DELETE', `/api/v1/workspaces/delivery/members/${formerUser.id}`, {
      token: setup.token,
    });
    expect(removed.status).toBeLessThan(300);
    // Re-bind behind the API's back, as a stale binding from before the removal would look.
    await hub.runtime.stores.bindings.bind({
      installationId: setup.installationId,
      channelType: 'slack',
      channelUserId: 'U0FORMER1',
      userId: formerUser.id,
    });
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0FORMER1', user: 'U0FORMER1', text: 'still here?' }),
    );
    const [entry] = await eventually(async () => {
      const entries = await reasonsOf('Ev0FORMER1');
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry?.reason).toBe('non_workspace_member');
    expect(await hub.runtime.stores.bindings.find(setup.installationId, 'U0FORMER1')).toBeNull();
    expect(agent.deliveries.some((d) => d.body.message.text === 'still here?')).toBe(false);
  });
});
