import { testDatabaseKinds } from '@switchboard/db/testing';
import type { FakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubFixture } from '../support/hub-fixture.js';
import { eventually, type SlackScenario, startSlackScenario } from '../support/slack-scenario.js';

describe.each(testDatabaseKinds())('outbound messages [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let slack: FakeSlack;
  let setup: SlackScenario['setup'];

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'outbound');
    ({ hub, slack, setup } = scenario);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const send = (body: Record<string, unknown>) =>
    hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
      token: setup.token,
      body,
    });
  const settled = (id: string) =>
    eventually(async () => {
      const res = await hub.request('GET', `/api/v1/installations/${setup.installationId}/messages/${id}`, {
        token: setup.token,
      });
      return res.body.status === 'sent' || res.body.status === 'failed' ? res.body : undefined;
    });
  const postsWithText = (text: string) =>
    slack.callsTo('chat.postMessage').filter((call) => call.params.text === text);

  it('sends a re-submitted reply once', async () => {
    const body = { target: { chatId: 'C0OUT0001' }, text: 'exactly once', idempotencyKey: 'dup-key-1' };
    const first = await send(body);
    const second = await send(body);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.created).toBe(false);
    expect((await settled(first.body.id)).status).toBe('sent');
    expect(postsWithText('exactly once')).toHaveLength(1);
  });

  it('waits for Retry-After when Slack rate-limits, then posts', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const res = await send({
      target: { chatId: 'C0OUT0001' },
      text: 'after the limit',
      idempotencyKey: 'rl-1',
    });
    const record = await settled(res.body.id);
    expect(record.status).toBe('sent');
    expect(record.attempts).toBe(2);
    const calls = slack.callsTo('chat.postMessage').filter((c) => c.params.text === 'after the limit');
    expect(calls).toHaveLength(2);
    const sentAt = new Date(record.sentAt).getTime();
    const createdAt = new Date(record.createdAt).getTime();
    // The second try respected the one-second Retry-After (a behaviour check, not a timing budget).
    expect(sentAt - createdAt).toBeGreaterThanOrEqual(950);
  });

  it('retries server errors and gives up on permanent errors with the platform code', async () => {
    slack.failNext('chat.postMessage', { status: 503 });
    const retried = await send({
      target: { chatId: 'C0OUT0001' },
      text: 'after a 503',
      idempotencyKey: '5xx-1',
    });
    expect((await settled(retried.body.id)).status).toBe('sent');
    const broken = await send({
      target: { chatId: 'not-a-channel' },
      text: 'nowhere',
      idempotencyKey: 'perm-1',
    });
    const failed = await settled(broken.body.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.lastError).toContain('channel_not_found');
  });

  it('edits an earlier message with chat.update', async () => {
    const original = await send({ target: { chatId: 'C0OUT0001' }, text: 'draft', idempotencyKey: 'edit-1' });
    const sent = await settled(original.body.id);
    const edit = await send({
      target: { chatId: 'C0OUT0001' },
      text: 'final',
      idempotencyKey: 'edit-2',
      updateOf: original.body.id,
    });
    expect((await settled(edit.body.id)).status).toBe('sent');
    const update = slack.callsTo('chat.update').at(-1);
    expect(update?.params).toMatchObject({ channel: 'C0OUT0001', ts: sent.platformMessageId, text: 'final' });
  });

  it('times out a platform that hangs and sends on the retry', async () => {
    slack.failNext('chat.postMessage', { delayMs: 3_000 });
    const res = await send({
      target: { chatId: 'C0OUT0001' },
      text: 'slow platform',
      idempotencyKey: 'hang-1',
    });
    expect((await settled(res.body.id)).status).toBe('sent');
  });

  it('posts once when the answer to a post was lost: the retry finds it by its metadata', async () => {
    slack.failNext('chat.postMessage', { lostAnswer: true });
    const res = await send({
      target: { chatId: 'C0LOST001' },
      text: 'answer lost',
      idempotencyKey: 'lost-1',
    });
    const sent = await settled(res.body.id);
    expect(sent.status).toBe('sent');
    const posted = [...slack.messages.values()].filter((m) => m.text === 'answer lost');
    expect(posted).toHaveLength(1);
    expect(posted[0]?.metadata).toEqual({
      event_type: 'switchboard_outbound',
      event_payload: { outbound_id: res.body.id, idempotency_key: 'lost-1' },
    });
    expect(sent.platformMessageId).toBe(posted[0]?.ts);
    expect(slack.callsTo('conversations.history').at(-1)?.params).toMatchObject({ channel: 'C0LOST001' });
  });

  it('reconciles a lost threaded reply through conversations.replies', async () => {
    slack.failNext('chat.postMessage', { lostAnswer: true });
    const res = await send({
      target: { chatId: 'C0LOST001', reply: { threadId: '1760000000.000001' } },
      text: 'lost in thread',
      idempotencyKey: 'lost-2',
    });
    expect((await settled(res.body.id)).status).toBe('sent');
    expect([...slack.messages.values()].filter((m) => m.text === 'lost in thread')).toHaveLength(1);
    expect(slack.callsTo('conversations.replies').length).toBeGreaterThan(0);
  });

  it('sends the messages of one chat in the order they were accepted, however close together', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
    const accepted = await Promise.all(
      texts.map((text) => send({ target: { chatId: 'C0BURST01' }, text, idempotencyKey: text })),
    );
    const records = await Promise.all(accepted.map((res) => settled(res.body.id)));
    const bySequence = [...records].sort((a, b) => Number(BigInt(a.chatSeq) - BigInt(b.chatSeq)));
    expect(new Set(records.map((r) => r.chatSeq)).size).toBe(texts.length);
    const postedOrder = slack
      .callsTo('chat.postMessage')
      .filter((call) => call.params.channel === 'C0BURST01')
      .map((call) => call.params.text);
    const sequenceOrder = bySequence.map(
      (record) => texts[accepted.findIndex((a) => a.body.id === record.id)],
    );
    expect(postedOrder).toEqual(sequenceOrder);
  });

  it('rejects invalid bodies with 400', async () => {
    const res = await send({ target: { chatId: 'C0OUT0001' }, idempotencyKey: 'no-text' });
    expect(res.status).toBe(400);
    const unknown = await send({
      target: { chatId: 'C0OUT0001' },
      text: 'x',
      idempotencyKey: 'bad-update',
      updateOf: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(400);
  });
});
