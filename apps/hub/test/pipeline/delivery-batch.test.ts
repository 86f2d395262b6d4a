import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { BOT, eventually, installSlack, postToHook, slackMessage, TEAM } from '../support/slack-scenario.js';

// The workers claim many rows at once and their finishes, reschedules and per-message reads
// share statements. Here a backlog recorded while the workers were off is claimed together:
// rows of three agents with different fates must each get their own outcome and audit, and
// a conversation's messages must still reach its agent one at a time, in order.
describe.each(testDatabaseKinds())('delivery of a claimed batch [%s]', (kind) => {
  let hub: HubFixture;
  let slack: FakeSlack;
  const agents: Record<'ok' | 'failing' | 'unsubscribed', FakeAgent> = {} as never;
  const setups: Record<keyof typeof agents, Awaited<ReturnType<typeof installSlack>>> = {} as never;
  const apps = { ok: 'A0BATCHOK', failing: 'A0BATCHNO', unsubscribed: 'A0BATCHUN' } as const;

  beforeAll(async () => {
    hub = await startHubFixture(kind, {
      workers: false,
      pipeline: {
        idlePollMs: 25,
        delivery: {
          timeoutMs: 2_000,
          maxAttempts: 4,
          backoff: { baseMs: 20, maxMs: 60 },
          circuit: { failureThreshold: 1_000, probeIntervalMs: 100 },
        },
      },
    });
    slack = await startFakeSlack({ teamId: TEAM, botUserId: BOT });
    for (const name of ['ok', 'failing', 'unsubscribed'] as const) {
      agents[name] = await startFakeAgent();
      setups[name] = await installSlack(hub, slack, agents[name], `batch-${name}`, apps[name]);
      await hub.runtime.stores.bindings.bind({
        installationId: setups[name].installationId,
        channelType: 'slack',
        channelUserId: 'U0BATCH01',
        userId: setups[name].userId,
      });
    }
    agents.failing.always({ status: 500 });
    await hub.runtime.stores.agents.setEventTypes(
      setups.unsubscribed.workspaceId,
      setups.unsubscribed.agentId,
      ['status'],
    );
  });
  afterAll(async () => {
    await hub?.close();
    await slack?.close();
    for (const agent of Object.values(agents)) await agent?.close();
  });

  const auditOf = async (name: keyof typeof agents, eventId: string) => {
    const res = await hub.request(
      'GET',
      `/api/v1/workspaces/batch-${name}/audit?platformEventId=${eventId}`,
      { token: setups[name].token },
    );
    return (res.body.entries as Array<{ reason: string; detail: Record<string, unknown> }>) ?? [];
  };
  const post = (name: keyof typeof agents, eventId: string, channel: string, text: string) =>
    postToHook(
      hub,
      setups[name].installationId,
      slackMessage({ eventId, user: 'U0BATCH01', channel, text, appId: apps[name] }),
    );

  it('settles each row of a mixed batch on its own, and keeps each conversation in order', async () => {
    const ordered = Array.from({ length: 6 }, (_, i) => `in order ${i}`);
    for (const [i, text] of ordered.entries()) {
      expect((await post('ok', `Ev0BATCHA${i}`, 'D0BATCHA', text)).status).toBe(200);
      expect((await post('ok', `Ev0BATCHB${i}`, 'D0BATCHB', `other ${i}`)).status).toBe(200);
    }
    expect((await post('failing', 'Ev0BATCHF0', 'D0BATCHF', 'fails')).status).toBe(200);
    expect((await post('unsubscribed', 'Ev0BATCHU0', 'D0BATCHU', 'not wanted')).status).toBe(200);

    hub.pipeline.start();
    await eventually(async () =>
      (await auditOf('ok', 'Ev0BATCHA5')).length > 0 &&
      (await auditOf('ok', 'Ev0BATCHB5')).length > 0 &&
      agents.failing.deliveries.length >= 3
        ? true
        : undefined,
    );

    // Each delivered row has exactly one audit row of its own, naming its own delivery.
    for (let i = 0; i < 6; i++) {
      for (const eventId of [`Ev0BATCHA${i}`, `Ev0BATCHB${i}`]) {
        const entries = await auditOf('ok', eventId);
        expect(entries.map((e) => e.reason)).toEqual(['delivered']);
      }
    }
    const deliveryIds = agents.ok.deliveries.map((d) => d.deliveryId);
    expect(new Set(deliveryIds).size).toBe(12);
    // One conversation's messages arrive in the order they were sent.
    const textsOf = (chatId: string) =>
      agents.ok.deliveries
        .filter((d) => d.body.message.source.chatId === chatId)
        .map((d) => d.body.message.text);
    expect(textsOf('D0BATCHA')).toEqual(ordered);
    expect(textsOf('D0BATCHB')).toEqual(ordered.map((_, i) => `other ${i}`));

    // The agent that does not take messages is never called; its row is audited as such.
    expect(agents.unsubscribed.deliveries).toEqual([]);
    expect((await auditOf('unsubscribed', 'Ev0BATCHU0')).map((e) => e.reason)).toEqual(['not_subscribed']);

    // The failing agent's row waits for its retry, with its own error and no terminal audit.
    expect(await auditOf('failing', 'Ev0BATCHF0')).toEqual([]);
    expect(new Set(agents.failing.deliveries.map((d) => d.deliveryId)).size).toBe(1);
    const failing = await hub.runtime.database.prisma.channelInboundMessageDedup.findFirst({
      where: { platformEventId: 'Ev0BATCHF0' },
      select: { state: true, lastError: true, attempts: true },
    });
    expect(failing?.state).not.toBe('done');
    expect(failing?.lastError).toBe('agent answered HTTP 500');
    expect(failing?.attempts).toBeGreaterThanOrEqual(3);

    // Once the agent is back, the same delivery goes through and is audited once.
    agents.failing.always({ status: 200 });
    const [entry] = await eventually(async () => {
      const entries = await auditOf('failing', 'Ev0BATCHF0');
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry?.reason).toBe('delivered');
    expect(agents.failing.delivered().size).toBe(1);
  });
});
