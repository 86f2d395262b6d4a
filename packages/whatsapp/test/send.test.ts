import {
  MediaNotFoundError,
  MediaTooLargeError,
  type OutboundMessage,
  PlatformError,
  validateConfig,
} from '@switchboard/core';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWhatsAppChannelFactory,
  MAX_TEXT_LENGTH,
  TEMPLATE_REQUIRED,
  type WhatsAppChannel,
} from '../src/index.js';
import { ACCESS_TOKEN, PHONE_NUMBER_ID, validConfig } from './fixtures.js';

const factory = createWhatsAppChannelFactory();
let fake: FakeWhatsApp;
let channel: WhatsAppChannel;
let keys = 0;

beforeEach(async () => {
  fake = await startFakeWhatsApp({ accessToken: ACCESS_TOKEN });
  const config = validateConfig(factory, { ...validConfig, api_base_url: fake.url, max_media_bytes: 1024 });
  channel = factory.create(config, { installationId: 'inst-1', logger: console as never }) as WhatsAppChannel;
});
afterEach(() => fake.close());

const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  target: { chatId: '4915123456789' },
  text: 'hello',
  idempotencyKey: `key-${++keys}`,
  ...over,
});

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('sending', () => {
  it('sends text to the wa_id received, as a reply with context', async () => {
    const sent = await channel.send(
      message({ target: { chatId: '5491123456789', reply: { replyToMessageId: 'wamid.in' } } }),
    );
    const held = fake.messages.get(sent.platformMessageId);
    expect(held?.phoneNumberId).toBe(PHONE_NUMBER_ID);
    expect(held?.body).toMatchObject({
      messaging_product: 'whatsapp',
      to: '5491123456789',
      type: 'text',
      text: { body: 'hello' },
      context: { message_id: 'wamid.in' },
    });
    expect(fake.calls[0]?.path).toBe(`/v23.0/${PHONE_NUMBER_ID}/messages`);
  });

  it('sends to a BSUID with recipient instead of to', async () => {
    const sent = await channel.send(message({ target: { chatId: 'US.13491208655302741918' } }));
    const body = fake.messages.get(sent.platformMessageId)?.body;
    expect(body).toMatchObject({ recipient: 'US.13491208655302741918' });
    expect(body).not.toHaveProperty('to');
  });

  it('sends reactions, media by link and templates from the card', async () => {
    const cards = [
      { type: 'reaction', reaction: { message_id: 'wamid.in', emoji: '👍' } },
      { type: 'image', image: { link: 'https://example.com/a.png', caption: 'a' } },
      {
        type: 'template',
        template: {
          name: 'order_update',
          language: { code: 'de' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: '42' }] }],
        },
      },
    ];
    for (const card of cards) {
      const { text: _text, ...rest } = message();
      const sent = await channel.send({ ...rest, card });
      expect(fake.messages.get(sent.platformMessageId)?.body).toMatchObject({ ...card, to: '4915123456789' });
    }
  });

  it('uploads media given as bytes, then sends it by the id the media endpoint answered', async () => {
    const { text: _text, ...rest } = message();
    const card = {
      type: 'document',
      upload: {
        base64: Buffer.from('%PDF-1.4').toString('base64'),
        mime_type: 'application/pdf',
        filename: 'a.pdf',
      },
    };
    const sent = await channel.send({ ...rest, card });
    const body = fake.messages.get(sent.platformMessageId)?.body as {
      document: { id: string; filename: string };
    };
    expect(body.document.filename).toBe('a.pdf');
    expect(new TextDecoder().decode(fake.media.get(body.document.id)?.bytes)).toBe('%PDF-1.4');
  });

  it('refuses a card that is no WhatsApp message, without calling the platform', async () => {
    const { text: _text, ...rest } = message();
    expect((await failure(channel.send({ ...rest, card: { type: 'poll' } }))).kind).toBe('permanent');
    expect(fake.calls).toHaveLength(0);
  });

  it('splits text longer than 4,096 characters and answers the last part', async () => {
    const text = `${'a'.repeat(4000)} ${'b'.repeat(4000)} ${'c'.repeat(100)}`;
    const sent = await channel.send(message({ text }));
    const bodies = [...fake.messages.values()].map((m) => (m.body.text as { body: string }).body);
    expect(bodies).toHaveLength(3);
    expect(bodies.every((b) => b.length <= MAX_TEXT_LENGTH)).toBe(true);
    expect(bodies.join(' ')).toBe(text);
    expect(fake.messages.get(sent.platformMessageId)?.body.text).toEqual({
      body: 'c'.repeat(100),
      preview_url: false,
    });
  });

  it('does not post again what an earlier attempt with the same idempotency key sent', async () => {
    const text = `${'a'.repeat(4096)}${'b'.repeat(10)}`;
    const first = message({ text });
    // The first part goes out, the second fails transiently; the retry sends only the second.
    fake.failNextSend({ status: 500, code: 2, message: 'Service temporarily unavailable', afterSends: 1 });
    expect((await failure(channel.send(first))).kind).toBe('transient');
    expect(fake.messages.size).toBe(1);
    await channel.send(first);
    const again = await channel.send(first);
    const texts = [...fake.messages.values()].map((m) => (m.body.text as { body: string }).body);
    expect(texts).toEqual(['a'.repeat(4096), 'b'.repeat(10)]);
    expect(fake.messages.get(again.platformMessageId)?.body.text).toEqual({
      body: 'b'.repeat(10),
      preview_url: false,
    });
  });
});

describe('send errors', () => {
  it('answers template_required outside the 24-hour window, and a template still goes', async () => {
    fake.closedWindows.add('4915123456789');
    const error = await failure(channel.send(message()));
    expect(error).toMatchObject({ kind: 'permanent', platformCode: TEMPLATE_REQUIRED, status: 400 });
    expect(error.message).toContain('template');
    const { text: _text, ...rest } = message();
    await channel.send({
      ...rest,
      card: { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } },
    });
    expect(fake.messages.size).toBe(1);
  });

  it('backs off on the throughput and pair-rate limits', async () => {
    fake.failNextSend({ status: 400, code: 130429, message: 'Rate limit hit' });
    expect(await failure(channel.send(message()))).toMatchObject({
      kind: 'rate_limited',
      platformCode: '130429',
      retryAfterMs: 2000,
    });
    fake.failNextSend({
      status: 400,
      code: 131056,
      message: '(Business Account, Consumer Account) pair rate limit hit',
    });
    expect(await failure(channel.send(message()))).toMatchObject({
      kind: 'rate_limited',
      platformCode: '131056',
      retryAfterMs: 6000,
    });
  });

  it('says the token expired, with what to do, on error 190', async () => {
    fake.expireToken();
    const error = await failure(channel.send(message()));
    expect(error).toMatchObject({ kind: 'unauthorized', platformCode: '190', status: 401 });
    expect(error.message).toMatch(/access token expired.*PATCH the installation's access_token/);
  });

  it('fails permanently on an undeliverable recipient and transiently on a 5xx', async () => {
    fake.failNextSend({ status: 400, code: 131026, message: 'Message Undeliverable' });
    expect(await failure(channel.send(message()))).toMatchObject({
      kind: 'permanent',
      platformCode: '131026',
    });
    fake.failNextSend({ status: 503, code: 1, message: 'unavailable' });
    expect(await failure(channel.send(message()))).toMatchObject({ kind: 'transient' });
  });
});

describe('media download', () => {
  it('downloads by media id with the bearer', async () => {
    fake.addMedia('media-1', { bytes: new TextEncoder().encode('png-bytes'), mimeType: 'image/png' });
    const media = await channel.downloadMedia({ kind: 'image', id: 'media-1' }, { maxBytes: 1024 });
    expect(new TextDecoder().decode(media.bytes)).toBe('png-bytes');
    expect(media.mimeType).toBe('image/png');
    expect(fake.calls.map((c) => [c.path, c.authorization])).toEqual([
      ['/v23.0/media-1', `Bearer ${ACCESS_TOKEN}`],
      ['/media-download/media-1', `Bearer ${ACCESS_TOKEN}`],
    ]);
  });

  it('answers MediaNotFoundError for a media id that 404s', async () => {
    const error = await channel
      .downloadMedia({ kind: 'image', id: 'media-gone' }, { maxBytes: 1024 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaNotFoundError);
    expect((error as MediaNotFoundError).cause).toMatchObject({ kind: 'not_found', platformCode: '100' });
  });

  it('refuses media larger than the config cap before downloading it', async () => {
    fake.addMedia('media-big', { bytes: new Uint8Array(4096), mimeType: 'video/mp4' });
    await expect(
      channel.downloadMedia({ kind: 'video', id: 'media-big' }, { maxBytes: 1_000_000 }),
    ).rejects.toMatchObject({ code: 'media_too_large', maxBytes: 1024, size: 4096 });
    expect(fake.calls.map((c) => c.path)).toEqual(['/v23.0/media-big']);
  });

  it('refuses media larger than the caller cap, and names a document by its ref', async () => {
    fake.addMedia('media-doc', { bytes: new Uint8Array(600), mimeType: 'application/pdf' });
    await expect(
      channel.downloadMedia({ kind: 'file', id: 'media-doc' }, { maxBytes: 500 }),
    ).rejects.toBeInstanceOf(MediaTooLargeError);
    const doc = await channel.downloadMedia(
      { kind: 'file', id: 'media-doc', name: 'q3.pdf' },
      { maxBytes: 600 },
    );
    expect(doc).toMatchObject({ mimeType: 'application/pdf', name: 'q3.pdf' });
  });
});

describe('sending media', () => {
  const recipient = '4915123456789';

  it('sends by link with the text as caption', async () => {
    const sent = await channel.send(
      message({ text: 'the chart', media: { kind: 'image', url: 'https://cdn.example.com/chart.png' } }),
    );
    expect(fake.messages.get(sent.platformMessageId)?.body).toMatchObject({
      to: recipient,
      type: 'image',
      image: { link: 'https://cdn.example.com/chart.png', caption: 'the chart' },
    });
    expect(fake.messages.size).toBe(1);
  });

  it('uploads data, then sends a document by the id answered, with its file name', async () => {
    const pdf = Buffer.from('%PDF-1.7 tiny');
    const sent = await channel.send(
      message({ text: undefined, media: { kind: 'file', data: pdf.toString('base64'), name: 'q3.pdf' } }),
    );
    const body = fake.messages.get(sent.platformMessageId)?.body as {
      type: string;
      document: { id: string; filename: string };
    };
    expect(body.type).toBe('document');
    expect(body.document.filename).toBe('q3.pdf');
    const uploaded = fake.media.get(body.document.id);
    expect(Buffer.from(uploaded?.bytes ?? [])).toEqual(pdf);
    expect(uploaded?.mimeType).toBe('application/pdf');
  });

  it('sends audio without a caption: the text follows as its own message', async () => {
    await channel.send(
      message({ text: 'listen', media: { kind: 'audio', url: 'https://cdn.example.com/a.ogg' } }),
    );
    const bodies = [...fake.messages.values()].map((m) => m.body);
    expect(bodies.map((b) => b.type)).toEqual(['audio', 'text']);
    expect(bodies[0]?.audio).toEqual({ link: 'https://cdn.example.com/a.ogg' });
  });
});
