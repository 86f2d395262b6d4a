import { isRetryable, PlatformError } from '@switchboard/core';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_TOKEN, createChannel } from './helpers.js';

let fake: FakeSlack;

beforeEach(async () => {
  fake = await startFakeSlack({ botTokens: [BOT_TOKEN] });
});

afterEach(async () => {
  await fake.close();
});

async function rejection(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('send', () => {
  it('posts text with the bot token over Slack wire format', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    const result = await channel.send({
      target: { chatId: 'C0LAN2Q65' },
      text: 'Deploy looks healthy',
      idempotencyKey: 'k1',
    });
    expect(result.platformMessageId).toMatch(/^\d+\.\d{6}$/);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call?.params).toEqual({ channel: 'C0LAN2Q65', text: 'Deploy looks healthy' });
    expect(call?.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(call?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(fake.messages.get(`C0LAN2Q65:${result.platformMessageId}`)).toMatchObject({
      text: 'Deploy looks healthy',
    });
  });

  it('posts into the thread of the parent ts', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    await channel.send({
      target: { chatId: 'C0LAN2Q65', reply: { threadId: '1712345700.000200' } },
      text: 'On it',
      idempotencyKey: 'k2',
    });
    // Replying to a message threads under it.
    await channel.send({
      target: { chatId: 'C0LAN2Q65', reply: { replyToMessageId: '1712345800.004500' } },
      text: 'Done',
      idempotencyKey: 'k3',
    });
    expect(fake.callsTo('chat.postMessage').map((call) => call.params.thread_ts)).toEqual([
      '1712345700.000200',
      '1712345800.004500',
    ]);
  });

  it('returns increasing timestamps for consecutive posts', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    const first = await channel.send({ target: { chatId: 'D0PNCRP9N' }, text: 'one', idempotencyKey: 'a' });
    const second = await channel.send({ target: { chatId: 'D0PNCRP9N' }, text: 'two', idempotencyKey: 'b' });
    expect(Number(second.platformMessageId)).toBeGreaterThan(Number(first.platformMessageId));
  });

  it('sends a card as Block Kit blocks with the text as fallback', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy #4821* succeeded' } }];
    await channel.send({
      target: { chatId: 'C0LAN2Q65' },
      text: 'Deploy #4821 succeeded',
      card: { blocks },
      idempotencyKey: 'k4',
    });
    const [call] = fake.callsTo('chat.postMessage');
    expect(JSON.parse(String(call?.params.blocks))).toEqual(blocks);
    expect(call?.params.text).toBe('Deploy #4821 succeeded');
    await expect(
      channel.send({ target: { chatId: 'C0LAN2Q65' }, card: { nonsense: true }, idempotencyKey: 'k5' }),
    ).rejects.toMatchObject({ kind: 'permanent' });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('maps 429 to rate_limited with Retry-After in ms, without retrying itself', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const error = await rejection(
      channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hi', idempotencyKey: 'k' }),
    );
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000, status: 429 });
    expect(isRetryable(error)).toBe(true);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('maps HTTP 5xx to transient, once', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    fake.failNext('chat.postMessage', { status: 500 });
    const error = await rejection(
      channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hi', idempotencyKey: 'k' }),
    );
    expect(error).toMatchObject({ kind: 'transient', status: 500 });
    expect(isRetryable(error)).toBe(true);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('maps ok:false errors: channel_not_found is permanent, auth failures are unauthorized', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    fake.failNext('chat.postMessage', { ok: false, error: 'channel_not_found' });
    const notFound = await rejection(
      channel.send({ target: { chatId: 'C0GONE' }, text: 'hi', idempotencyKey: 'k' }),
    );
    expect(notFound).toMatchObject({ kind: 'permanent', platformCode: 'channel_not_found' });
    expect(isRetryable(notFound)).toBe(false);

    fake.failNext('chat.postMessage', { ok: false, error: 'token_revoked' });
    const revoked = await rejection(
      channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hi', idempotencyKey: 'k' }),
    );
    expect(revoked).toMatchObject({ kind: 'unauthorized', platformCode: 'token_revoked' });

    fake.failNext('chat.postMessage', { ok: false, error: 'internal_error' });
    const internal = await rejection(
      channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hi', idempotencyKey: 'k' }),
    );
    expect(internal).toMatchObject({ kind: 'transient', platformCode: 'internal_error' });
  });

  it('maps a token Slack does not know to unauthorized', async () => {
    const channel = createChannel({ api_base_url: fake.url, bot_token: 'xoxb-revoked-long-ago' });
    const error = await rejection(
      channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hi', idempotencyKey: 'k' }),
    );
    expect(error).toMatchObject({ kind: 'unauthorized', platformCode: 'invalid_auth' });
  });

  it('gives up on a hung call after the request timeout, as transient', async () => {
    const channel = createChannel({ api_base_url: fake.url }, { requestTimeoutMs: 150 });
    fake.failNext('chat.postMessage', { delayMs: 1000 });
    const error = await rejection(
      channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hi', idempotencyKey: 'k' }),
    );
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('timed out');
  });

  it('maps an unreachable Slack to transient', async () => {
    const url = fake.url;
    await fake.close();
    const channel = createChannel({ api_base_url: url });
    const error = await rejection(
      channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hi', idempotencyKey: 'k' }),
    );
    expect(error.kind).toBe('transient');
    fake = await startFakeSlack();
  });

  it("reaches the platform through the SDK's slackApiUrl, once per send (no SDK retries)", async () => {
    const channel = createChannel({ api_base_url: fake.url });
    await channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hi', idempotencyKey: 'k' });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });
});

describe('update', () => {
  it('edits a posted message with chat.update (channel + ts)', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    const target = { chatId: 'C0LAN2Q65' };
    const { platformMessageId } = await channel.send({ target, text: 'Thinking…', idempotencyKey: 'k1' });
    const result = await channel.update(platformMessageId, {
      target,
      text: 'The answer is 42',
      idempotencyKey: 'k2',
    });
    expect(result).toEqual({ platformMessageId });
    expect(fake.callsTo('chat.update')[0]?.params).toEqual({
      channel: 'C0LAN2Q65',
      ts: platformMessageId,
      text: 'The answer is 42',
    });
    expect(fake.messages.get(`C0LAN2Q65:${platformMessageId}`)).toMatchObject({
      text: 'The answer is 42',
      edited: { user: expect.any(String) },
    });
  });

  it('maps an unknown message to not_found', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    const error = await rejection(
      channel.update('1712345678.000100', {
        target: { chatId: 'C0LAN2Q65' },
        text: 'x',
        idempotencyKey: 'k',
      }),
    );
    expect(error).toMatchObject({ kind: 'not_found', platformCode: 'message_not_found' });
  });
});
