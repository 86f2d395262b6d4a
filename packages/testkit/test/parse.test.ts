import { MalformedPayloadError, type WebhookRequest } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { createSignedEchoRequest, parseEchoRequest } from '../src/index.js';

const receivedAt = new Date('2025-06-01T12:00:00.000Z');
const context = { installationId: 'inst-1', botUserId: 'echo-bot', tenantKey: 'acme' };

function parse(body: unknown) {
  return parseEchoRequest(
    createSignedEchoRequest({ signingSecret: 'unused-here', body, receivedAt }),
    context,
  );
}

const message = {
  type: 'message',
  id: 'evt-1',
  chatId: 'C1',
  user: { id: 'U1', name: 'Ada' },
  text: 'hello \u00e4',
};

function malformed(body: unknown): MalformedPayloadError {
  try {
    parse(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedPayloadError);
    return error as MalformedPayloadError;
  }
  throw new Error('expected MalformedPayloadError');
}

describe('parseEchoRequest', () => {
  it('answers a url_verification challenge without producing events', () => {
    expect(parse({ type: 'url_verification', challenge: 'c-123' })).toEqual({
      response: { status: 200, body: { challenge: 'c-123' } },
      events: [],
    });
  });

  it('turns a message into one normalized inbound message', () => {
    const { response, events } = parse(message);
    expect(response).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'message',
      eventId: 'evt-1',
      message: {
        platformMessageId: 'evt-1',
        source: {
          channelType: 'echo',
          installationId: 'inst-1',
          tenantKey: 'acme',
          chatId: 'C1',
          chatType: 'direct',
          sender: { id: 'U1', displayName: 'Ada', isBot: false, isExternal: false },
        },
        msgType: 'text',
        text: 'hello \u00e4',
        media: [],
        mentions: [],
        mentionsBot: false,
        sentAt: receivedAt.toISOString(),
        raw: message,
      },
    });
  });

  it('carries chat type, thread, mention and timestamp through', () => {
    const { events } = parse({
      ...message,
      chatType: 'group',
      threadId: 'T9',
      mentionsBot: true,
      ts: '2025-05-31T08:00:00+02:00',
    });
    expect(events[0]).toMatchObject({
      kind: 'message',
      message: {
        source: { chatType: 'group' },
        reply: { threadId: 'T9' },
        mentionsBot: true,
        sentAt: '2025-05-31T08:00:00+02:00',
      },
    });
  });

  it('treats a message with a thread id and no chat type as a thread message', () => {
    expect(parse({ ...message, threadId: 'T9' }).events[0]).toMatchObject({
      message: { source: { chatType: 'thread' } },
    });
  });

  it('ignores messages from other bots', () => {
    expect(parse({ ...message, user: { id: 'B7', isBot: true } }).events).toEqual([
      { kind: 'ignored', eventId: 'evt-1', reason: 'ignored_bot', detail: 'sender B7' },
    ]);
  });

  it('ignores the bot’s own messages as self, even when flagged as a bot', () => {
    expect(parse({ ...message, user: { id: 'echo-bot', isBot: true } }).events).toMatchObject([
      { kind: 'ignored', eventId: 'evt-1', reason: 'ignored_self' },
    ]);
  });

  it('reports other event types as unsupported', () => {
    expect(parse({ type: 'reaction_added', id: 'evt-2', emoji: 'tada' }).events).toEqual([
      {
        kind: 'ignored',
        eventId: 'evt-2',
        reason: 'unsupported_event',
        detail: 'event type "reaction_added"',
      },
    ]);
  });

  it('parses statuses, membership, reactions, edits and deletions into core events', () => {
    const ts = '2026-01-02T03:04:05.000Z';
    const { events } = parse({
      type: 'batch',
      events: [
        { type: 'status', id: 's-1', messageId: 'echo-1', state: 'failed', errorCode: '131026', ts },
        { type: 'membership', id: 'm-1', action: 'member_joined', chatId: 'C1', user: { id: 'U9' }, ts },
        { type: 'react', id: 'r-1', chatId: 'C1', messageId: 'evt-1', emoji: 'tada', user: { id: 'U1' }, ts },
        { type: 'edit', id: 'x-1', messageId: 'evt-1', chatId: 'C1', user: { id: 'U1' }, text: 'fixed', ts },
        { type: 'delete', id: 'd-1', chatId: 'C1', messageId: 'evt-1', ts },
      ],
    });
    expect(events.map((event) => event.kind)).toEqual(['status', 'membership', 'reaction', 'edit', 'delete']);
    expect(events[0]).toMatchObject({
      status: { platformMessageId: 'echo-1', state: 'failed', errorCode: '131026', occurredAt: ts },
    });
    expect(events[1]).toMatchObject({
      membership: { action: 'member_joined', chatId: 'C1', member: { id: 'U9' } },
    });
    expect(events[2]).toMatchObject({
      reaction: { action: 'added', emoji: 'tada', platformMessageId: 'evt-1' },
    });
    expect(events[3]).toMatchObject({ edit: { message: { platformMessageId: 'evt-1', text: 'fixed' } } });
    expect(events[4]).toMatchObject({ delete: { chatId: 'C1', platformMessageId: 'evt-1' } });
  });

  it('refuses a status without the message it reports on', () => {
    expect(() => parse({ type: 'status', id: 's-2', state: 'read' })).toThrow(MalformedPayloadError);
  });

  it('expands a batch into several events in order', () => {
    const { events } = parse({
      type: 'batch',
      events: [
        message,
        { ...message, id: 'evt-3', user: { id: 'B1', isBot: true } },
        { type: 'typing', id: 'evt-4' },
      ],
    });
    expect(events.map((event) => [event.kind, event.eventId])).toEqual([
      ['message', 'evt-1'],
      ['ignored', 'evt-3'],
      ['ignored', 'evt-4'],
    ]);
    expect(parse({ type: 'batch', events: [] }).events).toEqual([]);
  });

  it('rejects a body that is not JSON or not UTF-8', () => {
    malformed('{"type": "message",');
    const req: WebhookRequest = {
      ...createSignedEchoRequest({ signingSecret: 'x', body: '{}', receivedAt }),
      rawBody: new Uint8Array([0x7b, 0xff, 0x7d]),
    };
    expect(() => parseEchoRequest(req, context)).toThrow(MalformedPayloadError);
  });

  it('rejects bodies of the wrong shape, pointing at the offending field', () => {
    expect(malformed([1, 2]).code).toBe('malformed_payload');
    malformed({ challenge: 'no type' });
    malformed({ type: 'url_verification' });
    expect(malformed({ ...message, chatId: '' }).issues?.map((issue) => issue.path.join('.'))).toEqual([
      'chatId',
    ]);
    expect(malformed({ ...message, ts: 'yesterday' }).issues?.map((issue) => issue.path.join('.'))).toEqual([
      'ts',
    ]);
    malformed({ type: 'reaction_added' });
  });

  it('rejects a malformed event inside a batch, with its index in the path', () => {
    const error = malformed({ type: 'batch', events: [message, { ...message, user: {} }] });
    expect(error.issues?.[0]?.path).toEqual(['events', 1, 'user', 'id']);
    malformed({ type: 'batch', events: [{ type: 'batch', events: [] }] });
    malformed({ type: 'batch' });
  });
});
