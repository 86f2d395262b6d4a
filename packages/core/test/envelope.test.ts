import { describe, expect, it } from 'vitest';
import {
  base64DecodedLength,
  InvalidEnvelopeError,
  inboundEventScope,
  inboundEventSender,
  inboundMessageSchema,
  MAX_OUTBOUND_MEDIA_BYTES,
  parseInboundEvent,
  parseInboundMessage,
  parseOutboundMessage,
  safeParseInboundMessage,
  safeParseOutboundMessage,
} from '../src/index.js';

const goodInbound = {
  platformMessageId: 'm-1',
  source: {
    channelType: 'echo',
    installationId: 'inst-1',
    chatId: 'C1',
    chatType: 'group',
    sender: { id: 'U1', displayName: 'Ada', isBot: false, isExternal: false },
  },
  msgType: 'text',
  text: 'hello',
  mentionsBot: true,
  sentAt: '2025-01-02T03:04:05.000Z',
};

function issuesOf(fn: () => unknown): Array<{ path: PropertyKey[] }> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    return (error as InvalidEnvelopeError).issues;
  }
  throw new Error('expected the validator to throw');
}

describe('inbound envelope', () => {
  it('accepts a minimal message and defaults media and mentions to empty lists', () => {
    const message = parseInboundMessage(goodInbound);
    expect(message.media).toEqual([]);
    expect(message.mentions).toEqual([]);
    expect(message.source.sender.id).toBe('U1');
  });

  it('accepts media, mentions, reply context, an offset timestamp and an opaque raw payload', () => {
    const message = parseInboundMessage({
      ...goodInbound,
      msgType: 'image',
      media: [{ kind: 'image', id: 'img-1', mimeType: 'image/png', size: 0 }],
      mentions: [{ id: 'B1', isBot: true, isSelf: true }],
      reply: { threadId: 'T1', replyToMessageId: 'm-0' },
      sentAt: '2025-01-02T11:04:05+08:00',
      raw: { anything: ['goes'] },
    });
    expect(message.media[0]?.kind).toBe('image');
    expect(message.raw).toEqual({ anything: ['goes'] });
  });

  it('rejects an empty sender id and a missing chat id, reporting both paths', () => {
    const bad = {
      ...goodInbound,
      source: { ...goodInbound.source, chatId: '', sender: { ...goodInbound.source.sender, id: '' } },
    };
    const paths = issuesOf(() => parseInboundMessage(bad)).map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['source.chatId', 'source.sender.id']));
  });

  it('rejects a sentAt that is not an ISO-8601 datetime', () => {
    const paths = issuesOf(() => parseInboundMessage({ ...goodInbound, sentAt: 'yesterday' })).map((i) =>
      i.path.join('.'),
    );
    expect(paths).toEqual(['sentAt']);
  });

  it('rejects unknown message and chat types', () => {
    expect(safeParseInboundMessage({ ...goodInbound, msgType: 'hologram' }).success).toBe(false);
    expect(
      safeParseInboundMessage({ ...goodInbound, source: { ...goodInbound.source, chatType: 'room' } })
        .success,
    ).toBe(false);
  });

  it('rejects negative or fractional media sizes', () => {
    const withSize = (size: number) => ({ ...goodInbound, media: [{ kind: 'file', id: 'f', size }] });
    expect(safeParseInboundMessage(withSize(-1)).success).toBe(false);
    expect(safeParseInboundMessage(withSize(1.5)).success).toBe(false);
  });

  it('returns zod-style results from the safe parser', () => {
    const ok = safeParseInboundMessage(goodInbound);
    expect(ok.success && ok.data.platformMessageId).toBe('m-1');
    const bad = safeParseInboundMessage({});
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.length).toBeGreaterThan(0);
    expect(inboundMessageSchema.safeParse(goodInbound).success).toBe(true);
  });
});

describe('outbound envelope', () => {
  const target = { chatId: 'C1', reply: { threadId: 'T1' } };

  it('accepts text, a card, or both', () => {
    expect(parseOutboundMessage({ target, text: 'hi', idempotencyKey: 'k1' }).text).toBe('hi');
    expect(parseOutboundMessage({ target, card: { blocks: [] }, idempotencyKey: 'k2' }).card).toEqual({
      blocks: [],
    });
    expect(safeParseOutboundMessage({ target, text: 'hi', card: {}, idempotencyKey: 'k3' }).success).toBe(
      true,
    );
  });

  it('rejects a message with neither text, card nor media', () => {
    const issues = issuesOf(() => parseOutboundMessage({ target, idempotencyKey: 'k' }));
    expect(issues.map((issue) => issue.path.join('.'))).toEqual(['text']);
    expect(safeParseOutboundMessage({ target, text: '', idempotencyKey: 'k' }).success).toBe(false);
  });

  it('requires an idempotency key of 1 to 128 characters', () => {
    expect(safeParseOutboundMessage({ target, text: 'hi', idempotencyKey: '' }).success).toBe(false);
    expect(safeParseOutboundMessage({ target, text: 'hi', idempotencyKey: 'k'.repeat(128) }).success).toBe(
      true,
    );
    expect(safeParseOutboundMessage({ target, text: 'hi', idempotencyKey: 'k'.repeat(129) }).success).toBe(
      false,
    );
  });

  it('accepts media by url or by base64 data, alone or with text', () => {
    const data = Buffer.from('png bytes').toString('base64');
    expect(
      parseOutboundMessage({ target, media: { kind: 'image', data }, idempotencyKey: 'm1' }).media,
    ).toEqual({ kind: 'image', data });
    const byUrl = parseOutboundMessage({
      target,
      text: 'the report',
      media: { kind: 'file', url: 'https://files.example.com/r.pdf', name: 'r.pdf' },
      idempotencyKey: 'm2',
    });
    expect(byUrl.media?.url).toBe('https://files.example.com/r.pdf');
  });

  it('refuses media with both or neither of url and data, bad base64, or a non-http url', () => {
    const bad = [
      { kind: 'image' },
      { kind: 'image', url: 'https://x.example/a.png', data: 'aGk=' },
      { kind: 'image', data: 'not base64!' },
      { kind: 'image', url: 'file:///etc/passwd' },
      { kind: 'sticker', data: 'aGk=' },
    ];
    for (const media of bad) {
      expect(safeParseOutboundMessage({ target, media, idempotencyKey: 'k' }).success).toBe(false);
    }
  });

  it('caps media data at MAX_OUTBOUND_MEDIA_BYTES decoded', () => {
    const atCap = Buffer.alloc(MAX_OUTBOUND_MEDIA_BYTES).toString('base64');
    const over = Buffer.alloc(MAX_OUTBOUND_MEDIA_BYTES + 1).toString('base64');
    expect(base64DecodedLength(atCap)).toBe(MAX_OUTBOUND_MEDIA_BYTES);
    expect(
      safeParseOutboundMessage({ target, media: { kind: 'file', data: atCap }, idempotencyKey: 'k' }).success,
    ).toBe(true);
    const issues = issuesOf(() =>
      parseOutboundMessage({ target, media: { kind: 'file', data: over }, idempotencyKey: 'k' }),
    );
    expect(issues.map((issue) => issue.path.join('.'))).toEqual(['media.data']);
  });

  it('requires a target chat id', () => {
    expect(
      safeParseOutboundMessage({ target: { chatId: '' }, text: 'hi', idempotencyKey: 'k' }).success,
    ).toBe(false);
  });
});

describe('inbound event kinds', () => {
  const scope = { channelType: 'echo', installationId: 'inst-1', tenantKey: 'T1', appId: 'A1' };
  const at = '2025-01-02T03:04:05.000Z';
  const member = { id: 'U2', isBot: false, isExternal: false };
  const events = {
    status: {
      kind: 'status',
      eventId: 'e-1',
      status: { scope, platformMessageId: 'm-1', state: 'read', occurredAt: at },
    },
    membership: {
      kind: 'membership',
      eventId: 'e-2',
      membership: { scope, action: 'member_joined', chatId: 'C1', member, occurredAt: at },
    },
    reaction: {
      kind: 'reaction',
      eventId: 'e-3',
      reaction: {
        source: { ...goodInbound.source, ...scope },
        action: 'added',
        emoji: 'tada',
        platformMessageId: 'm-1',
        occurredAt: at,
      },
    },
    edit: {
      kind: 'edit',
      eventId: 'e-4',
      edit: { message: { ...goodInbound, source: { ...goodInbound.source, ...scope } }, editedAt: at },
    },
    delete: {
      kind: 'delete',
      eventId: 'e-5',
      delete: { scope, chatId: 'C1', platformMessageId: 'm-1', occurredAt: at },
    },
  } as const;

  it.each(Object.entries(events))('validates a %s event and reads its tenant and app', (_kind, event) => {
    const parsed = parseInboundEvent(event);
    expect(parsed.kind).toBe(event.kind);
    expect(inboundEventScope(parsed)).toMatchObject({
      tenantKey: 'T1',
      appId: 'A1',
      installationId: 'inst-1',
    });
  });

  it('names the person of an event where there is one', () => {
    expect(inboundEventSender(parseInboundEvent(events.membership))?.id).toBe('U2');
    expect(inboundEventSender(parseInboundEvent(events.reaction))?.id).toBe('U1');
    expect(inboundEventSender(parseInboundEvent(events.status))).toBeUndefined();
    expect(inboundEventScope({ kind: 'ignored', eventId: 'e', reason: 'ignored_bot' })).toBeUndefined();
  });

  it('refuses an unknown state, action or kind, and a status without its message id', () => {
    const bad = [
      { ...events.status, status: { ...events.status.status, state: 'seen' } },
      { ...events.membership, membership: { ...events.membership.membership, action: 'joined' } },
      { ...events.delete, kind: 'typing' },
      { ...events.status, status: { ...events.status.status, platformMessageId: '' } },
    ];
    for (const event of bad) expect(() => parseInboundEvent(event)).toThrow(InvalidEnvelopeError);
  });
});

describe('identity change on a message event', () => {
  const change = {
    previous: [{ namespace: 'phone', identifier: '+4915123456701' }],
    current: [{ namespace: 'phone', identifier: '+4915123456702' }],
  };

  it('keeps the previous and current keys an adapter names', () => {
    const event = parseInboundEvent({
      kind: 'message',
      eventId: 'e-1',
      message: goodInbound,
      identityChange: change,
    });
    expect(event.kind === 'message' && event.identityChange).toEqual(change);
  });

  it('refuses a change without keys on either side', () => {
    const bad = { kind: 'message', eventId: 'e-1', message: goodInbound };
    expect(
      issuesOf(() => parseInboundEvent({ ...bad, identityChange: { ...change, current: [] } })),
    ).not.toHaveLength(0);
    expect(
      issuesOf(() =>
        parseInboundEvent({
          ...bad,
          identityChange: { ...change, previous: [{ namespace: '', identifier: 'x' }] },
        }),
      ),
    ).not.toHaveLength(0);
  });
});
