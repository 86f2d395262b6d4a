import { describe, expect, it } from 'vitest';
import { parseEvent } from '../src/index.js';
import { messageDelivery } from './support.js';

const envelope = { id: 'd-1', installationId: 'inst-1', workspaceId: 'ws-1', channelType: 'slack' };

describe('parseEvent', () => {
  it('types a message delivery as the hub sends it', () => {
    const parsed = parseEvent(messageDelivery({ session: { id: 'sess-9' } }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.event.type !== 'message') throw new Error('expected a message');
    expect(parsed.event.message.text).toBe('hello');
    expect(parsed.event.message.source.chatId).toBe('D0DM00001');
    expect(parsed.event.user).toEqual({ id: 'user-1', username: 'alice' });
    expect(parsed.event.session).toEqual({ id: 'sess-9' });
  });

  it('fills the defaults a terse message leaves out and keeps fields a newer hub adds', () => {
    const body = messageDelivery(
      { priority: 'high' },
      { media: undefined, mentions: undefined, mentionsBot: undefined, edited: true },
    );
    const parsed = parseEvent(JSON.parse(JSON.stringify(body)));
    if (!parsed.ok || parsed.event.type !== 'message') throw new Error('expected a message');
    expect(parsed.event.message.media).toEqual([]);
    expect(parsed.event.message.mentions).toEqual([]);
    expect(parsed.event.message.mentionsBot).toBe(false);
    expect(parsed.event.message.edited).toBe(true);
    expect(parsed.event.priority).toBe('high');
  });

  it('accepts chat and message kinds it does not know yet', () => {
    const parsed = parseEvent(
      messageDelivery(
        {},
        { msgType: 'poll', source: { ...messageDelivery().message.source, chatType: 'channel' } },
      ),
    );
    expect(parsed).toMatchObject({
      ok: true,
      event: { message: { msgType: 'poll', source: { chatType: 'channel' } } },
    });
  });

  it('hands over a delivery type it does not know as unknown, with the whole body', () => {
    const parsed = parseEvent({ type: 'typing', ...envelope, typing: { chatId: 'C1' } });
    expect(parsed).toEqual({
      ok: true,
      event: {
        type: 'unknown',
        originalType: 'typing',
        ...envelope,
        body: { type: 'typing', ...envelope, typing: { chatId: 'C1' } },
      },
    });
  });

  it('does not mistake inherited names for known types', () => {
    expect(parseEvent({ type: 'toString', ...envelope })).toMatchObject({
      ok: true,
      event: { type: 'unknown' },
    });
    expect(parseEvent({ type: '__proto__', ...envelope })).toMatchObject({
      ok: true,
      event: { type: 'unknown' },
    });
  });

  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['no type', { ...envelope }],
    ['no id', { type: 'message', installationId: 'i', workspaceId: 'w', channelType: 'slack' }],
    ['a message without its message', { type: 'message', ...envelope, user: { id: 'u', username: 'a' } }],
    [
      'a message without a chat',
      messageDelivery({}, { source: { channelType: 'slack', installationId: 'i' } }),
    ],
    ['a message without the bound user', { ...messageDelivery(), user: undefined }],
  ])('refuses a body that is not a delivery (%s) and says why', (_label, body) => {
    const parsed = parseEvent(JSON.parse(JSON.stringify(body)));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
  });

  it.each([
    ['status', { status: { state: 'delivered', outboundMessageId: 'o-1', platformMessageId: 'wamid.1' } }],
    ['membership', { membership: { action: 'member_joined', chatId: 'C1', member: { id: 'U2' } } }],
    [
      'reaction',
      { reaction: { action: 'added', emoji: 'thumbsup', chatId: 'C1', platformMessageId: '1.2' } },
    ],
    ['edit', { edit: { message: messageDelivery().message } }],
    ['delete', { delete: { chatId: 'C1', platformMessageId: '1.2' } }],
  ])('types a %s delivery', (type, payload) => {
    expect(parseEvent({ type, ...envelope, ...payload })).toMatchObject({
      ok: true,
      event: { type, ...payload },
    });
  });

  it.each([
    [
      'status',
      {
        status: {
          state: 'failed',
          platformMessageId: 'wamid.2',
          outboundMessageId: 'o-2',
          chatId: 'C1',
          errorCode: '131026',
          error: 'undeliverable',
          occurredAt: '2026-01-02T03:04:05.000Z',
        },
      },
    ],
    [
      'membership',
      {
        membership: {
          action: 'member_joined',
          chatId: 'C1',
          chatType: 'group',
          member: { id: 'U2', isBot: false, isExternal: false },
          actorId: 'U1',
          occurredAt: '2026-01-02T03:04:05.000Z',
          user: { id: 'u-2', username: 'slack-u2' },
        },
      },
    ],
    [
      'edit',
      {
        edit: { message: messageDelivery().message, editedAt: '2026-01-02T03:04:05.000Z' },
        user: { id: 'u-1', username: 'ada' },
      },
    ],
  ])('types a %s delivery with every field the hub sends', (type, payload) => {
    expect(parseEvent({ type, ...envelope, ...payload })).toMatchObject({
      ok: true,
      event: { type, ...payload },
    });
  });

  it('refuses a known type whose payload is missing', () => {
    expect(parseEvent({ type: 'reaction', ...envelope }).ok).toBe(false);
  });
});
