import { type OutboundMessage, PlatformError, validateConfig } from '@switchboard/core';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWhatsAppChannelFactory, routeWhatsAppBatch, type WhatsAppChannel } from '../src/index.js';
import { outboundIdOfTag, outboundTag } from '../src/outbound-tag.js';
import { ACCESS_TOKEN, validConfig } from './fixtures.js';

const factory = createWhatsAppChannelFactory();
let fake: FakeWhatsApp;
/** The answers to this many more message posts are lost on the way back (the post itself lands). */
let answersToLose = 0;

/** The transport between the adapter and the fake Graph API, which can lose an answer. */
const lossyFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (answersToLose > 0 && String(input).endsWith('/messages')) {
    answersToLose -= 1;
    await response.arrayBuffer();
    throw new TypeError('fetch failed: the connection was reset');
  }
  return response;
};

const channelFor = (installationId: string) =>
  factory.create(validateConfig(factory, { ...validConfig, api_base_url: fake.url }), {
    installationId,
    logger: console as never,
    fetch: lossyFetch,
  }) as WhatsAppChannel;

const message = (attempt: number): OutboundMessage => ({
  target: { chatId: '4915123456789' },
  text: 'your order shipped',
  idempotencyKey: 'order-42',
  delivery: { outboundId: '0b6c3a52-3f0e-4a57-9a39-5f5a8f5c1a01', attempt },
});

beforeEach(async () => {
  fake = await startFakeWhatsApp({ accessToken: ACCESS_TOKEN });
  answersToLose = 0;
});
afterEach(() => fake.close());

/**
 * The Graph API has no idempotency key and no way to list what a number sent, so a post whose
 * answer never came back cannot be found again: WhatsApp sends are at least once (README,
 * "Delivery guarantees"). These tests pin that limit, and what is still never sent twice.
 */
describe('retrying a send', () => {
  it('reports a lost answer as transient, and the retry posts again: at least once', async () => {
    const channel = channelFor('inst-1');
    answersToLose = 1;
    const lost = await channel.send(message(1)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(lost).toBeInstanceOf(PlatformError);
    expect((lost as PlatformError).kind).toBe('transient');
    expect(fake.messages.size).toBe(1);

    // The hub retries (attempt 2) after a restart, or in the same process: the adapter never
    // learnt the first id, so the recipient gets the text twice.
    const retried = await channelFor('inst-1').send(message(2));
    const bodies = [...fake.messages.values()].map((m) => m.body.text);
    expect(bodies).toEqual([
      { body: 'your order shipped', preview_url: false },
      { body: 'your order shipped', preview_url: false },
    ]);
    expect(fake.messages.has(retried.platformMessageId)).toBe(true);
  });

  it('does not post again, in the same process, a message whose answer arrived', async () => {
    const channel = channelFor('inst-1');
    const first = await channel.send(message(1));
    const again = await channel.send(message(2));
    expect(again.platformMessageId).toBe(first.platformMessageId);
    expect(fake.messages.size).toBe(1);
  });
});

describe('the outbound tag', () => {
  const OUTBOUND_ID = '0b6c3a52-3f0e-4a57-9a39-5f5a8f5c1a01';

  it('rides on every part of a send the hub makes, naming the part', async () => {
    const channel = channelFor('inst-1');
    const long = { ...message(1), text: `${'a'.repeat(4096)}${'b'.repeat(10)}`, idempotencyKey: 'long-1' };
    await channel.send(long);
    expect([...fake.messages.values()].map((m) => m.body.biz_opaque_callback_data)).toEqual([
      `sb1:${OUTBOUND_ID}:0/2`,
      `sb1:${OUTBOUND_ID}:1/2`,
    ]);
    // A send without the hub's delivery (a direct caller) carries none.
    const { delivery: _, ...direct } = message(1);
    await channel.send({ ...direct, idempotencyKey: 'direct-1' });
    expect([...fake.messages.values()].at(-1)?.body).not.toHaveProperty('biz_opaque_callback_data');
  });

  it('names the outbound message in a status only for its last part, and nothing for foreign data', () => {
    expect(outboundIdOfTag(outboundTag(OUTBOUND_ID, 1, 2))).toBe(OUTBOUND_ID);
    expect(outboundIdOfTag(outboundTag(OUTBOUND_ID, 0, 2))).toBeUndefined();
    expect(outboundIdOfTag('campaign=spring')).toBeUndefined();
    expect(outboundIdOfTag(undefined)).toBeUndefined();
    const status = (tag: string) => ({
      id: 'wamid.status-1',
      status: 'delivered',
      timestamp: '1764547200',
      recipient_id: '4915123456789',
      biz_opaque_callback_data: tag,
    });
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001111', phone_number_id: '106540352242922' },
                statuses: [status(outboundTag(OUTBOUND_ID, 0, 1)), status('campaign=spring')],
              },
            },
          ],
        },
      ],
    };
    const [target] = routeWhatsAppBatch(new TextEncoder().encode(JSON.stringify(body)), 'app-1').targets;
    const events = target?.events('inst-1') ?? [];
    expect(events.map((e) => (e.kind === 'status' ? e.status.outboundId : e.kind))).toEqual([
      OUTBOUND_ID,
      undefined,
    ]);
  });
});
