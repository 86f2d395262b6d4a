import { randomBytes } from 'node:crypto';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../support/fake-agent.js';
import type { HubFixture } from '../support/hub-fixture.js';
import {
  eventually,
  installSlack,
  postToHook,
  type SlackScenario,
  slackMessage,
  startSlackScenario,
} from '../support/slack-scenario.js';

const HOUR = 3_600_000;

describe.each(testDatabaseKinds())('delivery guarantees [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let agent: FakeAgent;
  let setup: SlackScenario['setup'];
  // Retry budgets and circuits run on this clock: hours pass without waiting for them.
  let clockOffsetMs = 0;

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'guarantees', {
      now: () => Date.now() + clockOffsetMs,
      pipeline: {
        delivery: {
          timeoutMs: 1_500,
          maxAttempts: 4,
          backoff: { baseMs: 20, maxMs: 80 },
          circuit: { failureThreshold: 3, probeIntervalMs: 150 },
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

  const api = (method: string, path: string, body?: unknown) =>
    hub.request(method, `/api/v1/workspaces/guarantees${path}`, {
      token: setup.token,
      ...(body !== undefined ? { body } : {}),
    });
  const send = (eventId: string, channel: string, text: string, user = 'U0ALICE01') =>
    postToHook(hub, setup.installationId, slackMessage({ eventId, user, channel, text }));
  /** Texts of one chat in the order the agent first accepted them. */
  const acceptedIn = (chatId: string) => {
    const ok = agent.delivered();
    const seen = new Set<string>();
    const texts: string[] = [];
    for (const d of agent.deliveries) {
      if (d.body.message.source.chatId !== chatId || !ok.has(d.deliveryId) || seen.has(d.deliveryId))
        continue;
      seen.add(d.deliveryId);
      texts.push(d.body.message.text);
    }
    return texts;
  };
  const attemptsSoFar = () => agent.deliveries.length;
  const deadLetters = async () =>
    (await api('GET', '/dead-letters')).body.deadLetters as Array<{
      deliveryId: string;
      platformEventId: string;
      heldMessages: number;
    }>;

  it('keeps retrying an agent that is down for hours, one probe at a time, and delivers everything in order when it returns', async () => {
    agent.always({ status: 503 });
    const first = ['o1-a', 'o1-b', 'o1-c', 'o1-d'];
    const second = ['o2-a', 'o2-b', 'o2-c'];
    for (const [i, text] of first.entries())
      expect((await send(`Ev0OUT1${i}`, 'D0OUTAGE1', text)).status).toBe(200);
    for (const [i, text] of second.entries()) {
      expect((await send(`Ev0OUT2${i}`, 'D0OUTAGE2', text, 'U0BOB0001')).status).toBe(200);
    }
    // Three hours of outage: the old budget (8 attempts, about two minutes) is long gone.
    for (let hour = 1; hour <= 3; hour++) {
      const before = attemptsSoFar();
      clockOffsetMs = hour * HOUR;
      await eventually(() => (attemptsSoFar() > before + 2 ? true : undefined));
    }
    const health = await api('GET', `/agents/${setup.agentId}/health`);
    expect(health.status).toBe(200);
    expect(['open', 'half_open']).toContain(health.body.circuit);
    expect(health.body).toMatchObject({ lastError: 'agent answered HTTP 503', lastSuccessAt: null });
    const metrics = await hub.request('GET', '/metrics');
    expect(metrics.text).toMatch(/switchboard_agent_circuits_open 1/);
    // While the circuit is open, every probe is one request, not one per waiting message.
    const laterConversationsAttempted = agent.deliveries.filter((d) =>
      ['o1-b', 'o1-c', 'o1-d', 'o2-b', 'o2-c'].includes(d.body.message.text),
    );
    expect(laterConversationsAttempted).toEqual([]);
    expect(await deadLetters()).toEqual([]);

    agent.always({ status: 200 });
    await eventually(() =>
      acceptedIn('D0OUTAGE1').length === 4 && acceptedIn('D0OUTAGE2').length === 3 ? true : undefined,
    );
    expect(acceptedIn('D0OUTAGE1')).toEqual(first);
    expect(acceptedIn('D0OUTAGE2')).toEqual(second);
    const healthy = await api('GET', `/agents/${setup.agentId}/health`);
    expect(healthy.body).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
    expect(healthy.body.lastSuccessAt).not.toBeNull();
    expect(await deadLetters()).toEqual([]);
    clockOffsetMs = 0;
  });

  it('lets an agent set its own retry budget', async () => {
    const set = await api('PUT', `/agents/${setup.agentId}/retry-budget`, { retryBudgetMs: 2 * HOUR });
    expect(set.status).toBe(200);
    expect(set.body.retryBudgetMs).toBe(2 * HOUR);
    expect((await api('PUT', `/agents/${setup.agentId}/retry-budget`, { retryBudgetMs: -1 })).status).toBe(
      400,
    );
    const reset = await api('PUT', `/agents/${setup.agentId}/retry-budget`, { retryBudgetMs: null });
    expect(reset.body.retryBudgetMs).toBeNull();
  });

  /** Fails `text` on `chat` until its budget is spent; returns its dead letter. */
  const deadLetter = async (eventId: string, chat: string, text: string) => {
    agent.always({ status: 500 });
    await send(eventId, chat, text);
    await eventually(() => (agent.deliveries.some((d) => d.body.message.text === text) ? true : undefined));
    clockOffsetMs = 25 * HOUR;
    const letter = await eventually(async () =>
      (await deadLetters()).find((l) => l.platformEventId === eventId),
    );
    clockOffsetMs = 0;
    agent.always({ status: 200 });
    return letter;
  };

  it('keeps a dead letter through retention, holds its conversation, and delivers it first when retried', async () => {
    const letter = await deadLetter('Ev0HOLD001', 'D0HOLDING', 'held-1');
    expect((await send('Ev0HOLD002', 'D0HOLDING', 'held-2')).status).toBe(200);
    expect((await send('Ev0FREE001', 'D0NOTHELD', 'free')).status).toBe(200);
    await eventually(() => (acceptedIn('D0NOTHELD').length === 1 ? true : undefined));
    await eventually(async () =>
      (await deadLetters()).find((l) => l.deliveryId === letter.deliveryId)?.heldMessages === 1
        ? true
        : undefined,
    );
    expect(acceptedIn('D0HOLDING')).toEqual([]);
    const metrics = await hub.request('GET', '/metrics');
    expect(metrics.text).toMatch(/switchboard_inbox_held_conversations 1/);

    // A purge with a zero dedup horizon deletes finished rows, never dead letters.
    const purged = await hub.runtime.stores.retention.purge({ inboxMs: 0, auditMs: 1e12, outboundMs: 1e12 });
    expect(purged.inbox).toBeGreaterThan(0);
    expect((await deadLetters()).map((l) => l.deliveryId)).toContain(letter.deliveryId);

    const retried = await api('POST', `/dead-letters/${letter.deliveryId}/retry`);
    expect(retried.status).toBe(202);
    await eventually(() => (acceptedIn('D0HOLDING').length === 2 ? true : undefined));
    expect(acceptedIn('D0HOLDING')).toEqual(['held-1', 'held-2']);
  });

  it('releases the conversation when an admin discards its dead letter', async () => {
    const letter = await deadLetter('Ev0DISC001', 'D0DISCARD', 'discard-1');
    await send('Ev0DISC002', 'D0DISCARD', 'discard-2');
    await eventually(async () =>
      (await deadLetters()).find((l) => l.deliveryId === letter.deliveryId)?.heldMessages === 1
        ? true
        : undefined,
    );
    expect((await api('DELETE', `/dead-letters/${letter.deliveryId}`)).status).toBe(204);
    await eventually(() => (acceptedIn('D0DISCARD').length === 1 ? true : undefined));
    expect(acceptedIn('D0DISCARD')).toEqual(['discard-2']);
    expect((await deadLetters()).map((l) => l.deliveryId)).not.toContain(letter.deliveryId);
    expect((await api('DELETE', `/dead-letters/${letter.deliveryId}`)).status).toBe(404);
    const audit = await api('GET', '/audit?reason=dead_letter_discarded');
    expect(audit.body.entries.map((e: { platformEventId: string }) => e.platformEventId)).toContain(
      'Ev0DISC001',
    );
  });

  it('retries an event that throws in the worker, then dead-letters it, while the installation carries on', async () => {
    // A recorded event no adapter would produce (say, from an older hub version): processing throws.
    await hub.runtime.stores.inbox.insertMany([
      {
        installationId: setup.installationId,
        channelType: 'slack',
        platformEventId: 'Ev0THROW01',
        conversationKey: 'D0THROWS1',
        payload: { kind: 'message', eventId: 'Ev0THROW01' },
      },
    ]);
    hub.pipeline.wakeInbox();
    for (let i = 0; i < 3; i++) await send(`Ev0BESIDE${i}`, 'D0BESIDE1', `beside-${i}`);
    await eventually(() => (acceptedIn('D0BESIDE1').length === 3 ? true : undefined));
    const letter = await eventually(async () =>
      (await deadLetters()).find((l) => l.platformEventId === 'Ev0THROW01'),
    );
    expect(letter).toMatchObject({ attempts: 4 });
    const audit = await api('GET', '/audit?platformEventId=Ev0THROW01');
    expect(audit.body.entries.map((e: { reason: string }) => e.reason)).toEqual(['processing_failed']);
    expect((await api('DELETE', `/dead-letters/${letter.deliveryId}`)).status).toBe(204);
  });

  it("answers a poison corpus with 4xx or a recorded 200, while another tenant's concurrent requests all get 200", async () => {
    const other = await installSlack(hub, scenario.slack, agent, 'guarantees-b', 'A0APPB001');
    await hub.runtime.stores.bindings.bind({
      installationId: other.installationId,
      channelType: 'slack',
      channelUserId: 'U0CAROL01',
      userId: other.userId,
    });
    const nest = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const signedRaw = (raw: string) => postToHook(hub, setup.installationId, raw);
    const event = (eventId: string, text: string) =>
      JSON.stringify(slackMessage({ eventId, user: 'U0ALICE01', channel: 'D0POISON1', text }));
    const withDeepField = (levels: number) => {
      const body = event('Ev0DEEP001', 'deep');
      return `${body.slice(0, -1)},"extra":${nest(levels)}}`;
    };
    // An event id too large for the dedup index: only the database can refuse it, mid-batch.
    const hugeId = randomBytes(6_000).toString('hex');
    const poison = [
      () => signedRaw(nest(6_000)),
      () => signedRaw(withDeepField(6_000)),
      () => signedRaw(nest(100_000)),
      () => signedRaw(event('Ev0NUL0001', 'before\u0000after')),
      () => signedRaw(event('Ev0LONE001', 'lone \ud800 surrogate')),
      () => signedRaw(event(hugeId, 'huge id')),
      () =>
        hub.request('POST', '/api/v1/workspaces/guarantees/agents', {
          token: setup.token,
          raw: nest(200_000),
          headers: { 'content-type': 'application/json' },
        }),
      () => api('GET', '/audit?cursor=9999999999999999999'),
      () => api('GET', '/audit?cursor=18446744073709551616'),
    ];
    const valid = Array.from(
      { length: 24 },
      (_, i) => () =>
        postToHook(
          hub,
          other.installationId,
          slackMessage({
            eventId: `Ev0VALID${String(i).padStart(2, '0')}`,
            appId: 'A0APPB001',
            user: 'U0CAROL01',
            channel: 'D0TENANTB',
            text: `valid-${i}`,
          }),
        ),
    );
    const calls = [...valid.slice(0, 12), ...poison, ...valid.slice(12)];
    const answers = await Promise.all(calls.map((call) => call()));
    const validAnswers = answers.filter((_, i) => i < 12 || i >= 12 + poison.length);
    expect(validAnswers.map((a) => a.status)).toEqual(validAnswers.map(() => 200));
    const poisonAnswers = answers.slice(12, 12 + poison.length).map((a) => a.status);
    expect(poisonAnswers).toEqual([400, 400, 400, 200, 200, 200, 400, 400, 400]);
    expect(answers[12]?.body.error.code).toBe('json_too_deep');

    await eventually(() => (acceptedIn('D0TENANTB').length === 24 ? true : undefined));
    await eventually(() => (acceptedIn('D0POISON1').length === 2 ? true : undefined));
    expect(acceptedIn('D0POISON1').sort()).toEqual(['beforeafter', 'lone \ufffd surrogate']);
    const normalised = (await api('GET', '/audit?reason=text_normalized')).body.entries;
    expect(normalised.map((e: { platformEventId: string }) => e.platformEventId).sort()).toEqual([
      'Ev0LONE001',
      'Ev0NUL0001',
    ]);
    expect(
      normalised.find((e: { platformEventId: string }) => e.platformEventId === 'Ev0NUL0001').detail,
    ).toMatchObject({ surrogatesReplaced: 0 });
    const poisoned = (await api('GET', '/audit?reason=poison')).body.entries;
    expect(poisoned).toHaveLength(1);
    expect(poisoned[0].detail.error).toEqual(expect.any(String));
    // The event as received is kept beside the normalised one and parses back to the original.
    const [raw] = await hub.runtime.database.prisma.$queryRaw<Array<{ raw_payload: string }>>`
      SELECT raw_payload FROM channel_inbound_message_dedup WHERE platform_event_id = 'Ev0NUL0001'`;
    expect(JSON.parse(raw?.raw_payload ?? 'null').message.text).toBe('before\u0000after');
  });
});
