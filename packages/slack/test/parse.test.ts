import {
  type InboundEvent,
  type InboundMessage,
  MalformedPayloadError,
  parseInboundEvent,
  safeParseInboundMessage,
  type WebhookRequest,
} from '@switchboard/core';
import { createSignedSlackRequest } from '@switchboard/testkit/fakes/slack';
import { describe, expect, it } from 'vitest';
import {
  DUPLICATE_OF_APP_MENTION,
  extractMentions,
  parseSlackPayload,
  parseSlackRequest,
  slackTsToIso,
} from '../src/index.js';
import {
  APP_ID,
  BOT_USER_ID,
  createChannel,
  fixtureBytes,
  INSTALLATION_ID,
  SIGNING_SECRET,
  TEAM_ID,
} from './helpers.js';

const channel = createChannel();
const context = { installationId: INSTALLATION_ID, appId: APP_ID, botUserId: BOT_USER_ID };

/** Verifies and parses a fixture the way the hub does: through the channel's webhook handler. */
function parseFixture(name: string) {
  const req = createSignedSlackRequest({ signingSecret: SIGNING_SECRET, body: fixtureBytes(name) });
  expect(channel.webhook!.verify(req)).toEqual({ ok: true });
  return channel.webhook!.parse(req);
}

function onlyEvent(name: string): InboundEvent {
  const result = parseFixture(name);
  expect(result.response).toBeUndefined();
  expect(result.events).toHaveLength(1);
  return result.events[0]!;
}

function onlyMessage(name: string): InboundMessage {
  const event = onlyEvent(name);
  if (event.kind !== 'message') throw new Error(`expected a message, got ${JSON.stringify(event)}`);
  // Every produced envelope is valid for core.
  expect(safeParseInboundMessage(event.message).success).toBe(true);
  return event.message;
}

function rawRequest(body: string): WebhookRequest {
  return {
    method: 'POST',
    path: '/webhooks/slack',
    headers: {},
    query: {},
    rawBody: new TextEncoder().encode(body),
    receivedAt: new Date(),
  };
}

function eventCallback(event: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    type: 'event_callback',
    team_id: TEAM_ID,
    api_app_id: APP_ID,
    event_id: 'Ev0TEST',
    event,
    ...extra,
  };
}

describe('parse: fixtures', () => {
  it('answers url_verification with the challenge and no events', () => {
    expect(parseFixture('url_verification')).toEqual({
      response: { status: 200, body: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' } },
      events: [],
    });
  });

  it('turns a DM into a direct message that addresses the bot', () => {
    const event = onlyEvent('message_im');
    expect(event).toMatchObject({ kind: 'message', eventId: 'Ev06TQ8MUC01' });
    const message = onlyMessage('message_im');
    expect(message).toMatchObject({
      platformMessageId: '1712345678.123456',
      source: {
        channelType: 'slack',
        installationId: INSTALLATION_ID,
        tenantKey: TEAM_ID,
        chatId: 'D0PNCRP9N',
        chatType: 'direct',
        sender: { id: 'U2147483697', isBot: false, isExternal: false },
      },
      msgType: 'text',
      text: 'Can you summarise the Q3 plan for me?',
      media: [],
      mentions: [],
      mentionsBot: true,
      sentAt: '2024-04-05T19:34:38.123Z',
    });
    expect(message.reply).toBeUndefined();
    expect(message.raw).toMatchObject({ type: 'message', channel: 'D0PNCRP9N' });
    // The envelope's legacy verification token is not passed on.
    expect(JSON.stringify(message.raw)).not.toContain('Jhj5dZrVaK7ZwHHjRyZWjbDl');
  });

  it('keeps a channel app_mention as a group message with its mentions', () => {
    expect(onlyEvent('app_mention_channel')).toMatchObject({ kind: 'message', eventId: 'Ev06TQA2B3C4' });
    const message = onlyMessage('app_mention_channel');
    expect(message).toMatchObject({
      platformMessageId: '1712345700.000200',
      source: { chatId: 'C0LAN2Q65', chatType: 'group', sender: { id: 'U061F7AUR' } },
      text: '<@U0LAN0Z89> can you check the deploy with <@U2147483697>?',
      mentionsBot: true,
      sentAt: '2024-04-05T19:35:00.000Z',
    });
    expect(message.mentions).toEqual([{ id: BOT_USER_ID, isSelf: true, isBot: true }, { id: 'U2147483697' }]);
    expect(message.reply).toBeUndefined();
  });

  it('ignores the channel message that duplicates an app_mention', () => {
    expect(onlyEvent('message_channel_mention')).toEqual({
      kind: 'ignored',
      eventId: 'Ev06TQA2D5E6',
      reason: 'unsupported_event',
      detail: DUPLICATE_OF_APP_MENTION,
    });
  });

  it('makes a thread reply a thread message pointing at the parent ts', () => {
    const message = onlyMessage('message_thread_reply');
    expect(message).toMatchObject({
      platformMessageId: '1712345800.004500',
      source: { chatId: 'C0LAN2Q65', chatType: 'thread', sender: { id: 'U2147483697' } },
      reply: { threadId: '1712345700.000200' },
      mentionsBot: false,
      mentions: [],
    });
    expect(message.reply?.replyToMessageId).toBeUndefined();
  });

  it('maps a shared file to an image MediaRef', () => {
    const message = onlyMessage('message_file_share');
    expect(message).toMatchObject({
      platformMessageId: '1712345901.000900',
      source: { chatId: 'D0PNCRP9N', chatType: 'direct' },
      msgType: 'image',
      text: 'Here is the dashboard screenshot',
      mentionsBot: true,
    });
    expect(message.media).toEqual([
      {
        kind: 'image',
        id: 'F06U2J9K3LM',
        url: 'https://files.slack.com/files-pri/T061EG9R6-F06U2J9K3LM/error-rate.png',
        mimeType: 'image/png',
        name: 'error-rate.png',
        size: 184320,
      },
    ]);
  });

  it('flags a Slack Connect user mentioning the bot inside a thread', () => {
    const message = onlyMessage('app_mention_thread_external');
    expect(message).toMatchObject({
      source: {
        chatId: 'C0SHARED42',
        chatType: 'thread',
        tenantKey: TEAM_ID,
        sender: { id: 'U07PARTNER1', displayName: 'priya', isExternal: true, isBot: false },
      },
      reply: { threadId: '1712345700.000200' },
      mentions: [{ id: BOT_USER_ID, name: 'switchboard', isSelf: true, isBot: true }],
      mentionsBot: true,
    });
  });

  it('ignores other bots and its own messages', () => {
    expect(onlyEvent('message_bot')).toMatchObject({
      kind: 'ignored',
      eventId: 'Ev06TQD4J5K6',
      reason: 'ignored_bot',
    });
    expect(onlyEvent('message_self')).toMatchObject({
      kind: 'ignored',
      eventId: 'Ev06TQE7L8M9',
      reason: 'ignored_self',
    });
  });

  it('turns message_changed into an edit carrying the message as it now reads', () => {
    const event = onlyEvent('message_changed');
    expect(parseInboundEvent(event)).toEqual(event);
    expect(event).toMatchObject({
      kind: 'edit',
      eventId: 'Ev06TQF1N2O3',
      edit: {
        editedAt: '2024-04-05T19:35:20.000Z',
        message: {
          platformMessageId: '1712345678.123456',
          text: 'Can you summarise the Q3 and Q4 plans for me?',
          mentionsBot: true,
          source: {
            chatId: 'D0PNCRP9N',
            chatType: 'direct',
            tenantKey: TEAM_ID,
            appId: APP_ID,
            sender: { id: 'U2147483697', isExternal: false },
          },
        },
      },
    });
  });

  it('turns message_deleted into a delete naming the removed message', () => {
    const event = onlyEvent('message_deleted');
    expect(parseInboundEvent(event)).toEqual(event);
    expect(event).toEqual({
      kind: 'delete',
      eventId: 'Ev06TQG4P5Q6',
      delete: {
        scope: { channelType: 'slack', installationId: INSTALLATION_ID, tenantKey: TEAM_ID, appId: APP_ID },
        chatId: 'C0LAN2Q65',
        platformMessageId: '1712345800.004500',
        occurredAt: slackTsToIso('1712345850.000100'),
      },
    });
  });

  it('turns reaction_added into a reaction by its sender on the message', () => {
    const event = onlyEvent('reaction_added');
    expect(parseInboundEvent(event)).toEqual(event);
    expect(event).toMatchObject({
      kind: 'reaction',
      eventId: 'Ev06TQH7R8S9',
      reaction: {
        action: 'added',
        emoji: 'thumbsup',
        platformMessageId: '1712345700.000200',
        source: { chatId: 'C0LAN2Q65', chatType: 'group', tenantKey: TEAM_ID, sender: { id: 'U2147483697' } },
      },
    });
  });
});

describe('parse: membership, reactions, edits', () => {
  const joined = {
    type: 'member_joined_channel',
    user: 'U2147483697',
    channel: 'C0LAN2Q65',
    channel_type: 'C',
    team: TEAM_ID,
    inviter: 'U061F7AUR',
    event_ts: '1712345900.000100',
  };
  const one = (event: Record<string, unknown>) => {
    const [parsed] = parseSlackPayload(eventCallback(event), context).events;
    return parseInboundEvent(parsed);
  };

  it('reports a member joining or leaving a channel with the chat, the member and the inviter', () => {
    expect(one(joined)).toEqual({
      kind: 'membership',
      eventId: 'Ev0TEST',
      membership: {
        scope: { channelType: 'slack', installationId: INSTALLATION_ID, tenantKey: TEAM_ID, appId: APP_ID },
        action: 'member_joined',
        chatId: 'C0LAN2Q65',
        chatType: 'group',
        member: { id: 'U2147483697', isBot: false, isExternal: false },
        actorId: 'U061F7AUR',
        occurredAt: slackTsToIso('1712345900.000100'),
      },
    });
    expect(one({ ...joined, type: 'member_left_channel', inviter: undefined })).toMatchObject({
      membership: { action: 'member_left', chatId: 'C0LAN2Q65' },
    });
  });

  it('tells the bot being added to or removed from a channel apart from people', () => {
    expect(one({ ...joined, user: BOT_USER_ID })).toMatchObject({
      membership: { action: 'bot_added', member: { id: BOT_USER_ID, isBot: true } },
    });
    expect(one({ ...joined, type: 'member_left_channel', user: BOT_USER_ID })).toMatchObject({
      membership: { action: 'bot_removed' },
    });
  });

  it('marks a Slack Connect member of another team as external', () => {
    expect(one({ ...joined, team: 'T0OTHERTEAM' })).toMatchObject({
      membership: { member: { isExternal: true } },
    });
  });

  it('reports team_join as a member joining the tenant, with no chat', () => {
    const event = one({
      type: 'team_join',
      user: { id: 'U0NEWHIRE1', team_id: TEAM_ID, is_bot: false, profile: { display_name: 'New Hire' } },
      event_ts: '1712346000.000100',
    });
    expect(event).toMatchObject({
      kind: 'membership',
      membership: {
        action: 'member_joined',
        member: { id: 'U0NEWHIRE1', displayName: 'New Hire', isBot: false, isExternal: false },
      },
    });
    expect(event.kind === 'membership' && event.membership.chatId).toBeUndefined();
  });

  it("reports a removed reaction, and ignores the bot's own reactions and reactions to files", () => {
    const reaction = {
      type: 'reaction_removed',
      user: 'U2147483697',
      reaction: 'eyes',
      item: { type: 'message', channel: 'D0PNCRP9N', ts: '1712345700.000200' },
      event_ts: '1712345950.000200',
    };
    expect(one(reaction)).toMatchObject({
      kind: 'reaction',
      reaction: { action: 'removed', emoji: 'eyes', source: { chatType: 'direct' } },
    });
    expect(one({ ...reaction, user: BOT_USER_ID })).toMatchObject({
      kind: 'ignored',
      reason: 'ignored_self',
    });
    expect(one({ ...reaction, item: { type: 'file', file: 'F1' } })).toMatchObject({
      kind: 'ignored',
      reason: 'unsupported_event',
    });
  });

  const changed = (message: Record<string, unknown>, previousText = 'before') => ({
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: 'C0LAN2Q65',
    channel_type: 'channel',
    ts: '1712345720.000400',
    event_ts: '1712345720.000400',
    message: { type: 'message', ts: '1712345678.123456', ...message },
    previous_message: { type: 'message', ts: '1712345678.123456', text: previousText },
  });

  it('ignores edits that change no text (unfurls) and edits of bot messages', () => {
    const edited = { ts: '1712345720.000000', user: 'U2147483697' };
    expect(one(changed({ user: 'U2147483697', text: 'same', edited }, 'same'))).toMatchObject({
      kind: 'ignored',
      reason: 'ignored_edit',
    });
    expect(one(changed({ user: 'U2147483697', text: 'link', attachments: [{}] }, 'link'))).toMatchObject({
      reason: 'ignored_edit',
    });
    expect(one(changed({ user: BOT_USER_ID, text: 'after', edited }))).toMatchObject({
      reason: 'ignored_self',
    });
    expect(one(changed({ bot_id: 'B0OTHER', text: 'after', edited }))).toMatchObject({
      reason: 'ignored_bot',
    });
  });

  it('gives an edited channel message that mentions the bot mentionsBot', () => {
    const edited = { ts: '1712345720.000000', user: 'U2147483697' };
    const event = one(changed({ user: 'U2147483697', text: `<@${BOT_USER_ID}> after`, edited }));
    expect(event).toMatchObject({
      kind: 'edit',
      edit: { message: { mentionsBot: true, text: `<@${BOT_USER_ID}> after` } },
    });
  });
});

describe('parse: classification details', () => {
  const base = {
    type: 'message',
    channel: 'C0LAN2Q65',
    channel_type: 'channel',
    user: 'U2147483697',
    text: 'hello',
    ts: '1712345678.000100',
  };

  it('treats a message posted by our app (even without the bot user) as our own', () => {
    const event = { ...base, user: undefined, bot_id: 'B0PNCHBOT', app_id: APP_ID, subtype: 'bot_message' };
    expect(parseSlackPayload(eventCallback(event), context).events[0]).toMatchObject({
      reason: 'ignored_self',
    });
    const viaProfile = { ...base, user: undefined, bot_id: 'B0PNCHBOT', bot_profile: { app_id: APP_ID } };
    expect(parseSlackPayload(eventCallback(viaProfile), context).events[0]).toMatchObject({
      reason: 'ignored_self',
    });
  });

  it('ignores a bot message that carries a bot_id but no subtype', () => {
    const event = { ...base, bot_id: 'B06CIBOT77', app_id: 'A06CIAPP88' };
    expect(parseSlackPayload(eventCallback(event), context).events[0]).toMatchObject({
      reason: 'ignored_bot',
    });
  });

  it('treats hidden subtypes as edits and other subtypes as unsupported', () => {
    const replied = { ...base, subtype: 'message_replied', hidden: true };
    expect(parseSlackPayload(eventCallback(replied), context).events[0]).toMatchObject({
      reason: 'ignored_edit',
    });
    const join = { ...base, subtype: 'channel_join', text: '<@U2147483697> has joined the channel' };
    expect(parseSlackPayload(eventCallback(join), context).events[0]).toEqual({
      kind: 'ignored',
      eventId: 'Ev0TEST',
      reason: 'unsupported_event',
      detail: 'message subtype "channel_join"',
    });
  });

  it('delivers mentions of the bot in DMs and in private channels correctly', () => {
    const dm = { ...base, channel: 'D0PNCRP9N', channel_type: 'im', text: `<@${BOT_USER_ID}> hi` };
    expect(parseSlackPayload(eventCallback(dm), context).events[0]).toMatchObject({
      kind: 'message',
      message: { source: { chatType: 'direct' }, mentionsBot: true },
    });
    for (const channelType of ['group', 'mpim']) {
      const group = {
        ...base,
        channel: 'G024BE91L',
        channel_type: channelType,
        text: `hey <@${BOT_USER_ID}>`,
      };
      expect(parseSlackPayload(eventCallback(group), context).events[0], channelType).toMatchObject({
        reason: 'unsupported_event',
        detail: DUPLICATE_OF_APP_MENTION,
      });
    }
    const plainMpim = { ...base, channel: 'G024BE91L', channel_type: 'mpim' };
    expect(parseSlackPayload(eventCallback(plainMpim), context).events[0]).toMatchObject({
      kind: 'message',
      message: { source: { chatType: 'group' }, mentionsBot: false },
    });
  });

  it('does not take the thread parent itself for a reply (thread_ts equal to ts)', () => {
    const parent = { ...base, thread_ts: base.ts };
    expect(parseSlackPayload(eventCallback(parent), context).events[0]).toMatchObject({
      kind: 'message',
      message: { source: { chatType: 'group' } },
    });
  });

  it('classifies mixed attachments as files and keeps tombstoned files', () => {
    const event = {
      ...base,
      subtype: 'file_share',
      text: '',
      files: [
        { id: 'F1', mimetype: 'audio/webm', name: 'memo.webm', size: 1024, url_private: 'https://files/1' },
        { id: 'F2', mimetype: 'video/mp4', title: 'clip', size: 2048 },
        { id: 'F3', mode: 'hidden_by_limit' },
      ],
    };
    const [parsed] = parseSlackPayload(eventCallback(event), context).events;
    if (parsed?.kind !== 'message') throw new Error('expected a message');
    expect(parsed.message.msgType).toBe('file');
    expect(parsed.message.text).toBeUndefined();
    expect(parsed.message.media).toEqual([
      {
        kind: 'audio',
        id: 'F1',
        mimeType: 'audio/webm',
        name: 'memo.webm',
        size: 1024,
        url: 'https://files/1',
      },
      { kind: 'video', id: 'F2', mimeType: 'video/mp4', name: 'clip', size: 2048 },
      { kind: 'file', id: 'F3' },
    ]);
  });

  it('reports app_rate_limited as an ignored event and other body types as nothing', () => {
    const limited = {
      token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
      type: 'app_rate_limited',
      team_id: TEAM_ID,
      minute_rate_limited: 1518467820,
      api_app_id: APP_ID,
    };
    expect(parseSlackPayload(limited, context).events).toEqual([
      {
        kind: 'ignored',
        eventId: `app_rate_limited:${TEAM_ID}:1518467820`,
        reason: 'unsupported_event',
        detail: expect.stringContaining('app_rate_limited'),
      },
    ]);
    expect(parseSlackPayload({ type: 'something_new' }, context)).toEqual({ events: [] });
  });
});

describe('parse: malformed input', () => {
  it('throws MalformedPayloadError for bad JSON and non-UTF-8 bytes', () => {
    expect(() => parseSlackRequest(rawRequest('{"type": "event_callback",'), context)).toThrow(
      MalformedPayloadError,
    );
    expect(() => parseSlackRequest(rawRequest(''), context)).toThrow(MalformedPayloadError);
    const latin1 = { ...rawRequest(''), rawBody: Uint8Array.from([0x7b, 0xe4, 0x7d]) };
    expect(() => parseSlackRequest(latin1, context)).toThrow(MalformedPayloadError);
  });

  it('throws MalformedPayloadError for JSON of the wrong shape', () => {
    const cases = [
      '[]',
      '"event_callback"',
      '{"no":"type"}',
      '{"type":"url_verification"}',
      JSON.stringify({ type: 'event_callback', team_id: TEAM_ID, event: { type: 'message' } }),
      JSON.stringify(eventCallback({ type: 'message', channel: 'C1', user: 'U1', ts: 'yesterday' })),
      JSON.stringify(eventCallback({ type: 'message', user: 'U1', ts: '1712345678.000100' })),
      JSON.stringify(eventCallback({ type: 'app_mention', channel: 'C1', ts: '1712345678.000100' })),
    ];
    for (const body of cases) {
      expect(() => parseSlackRequest(rawRequest(body), context), body).toThrow(MalformedPayloadError);
    }
  });

  it('reports where the shape is wrong', () => {
    const body = JSON.stringify(eventCallback({ type: 'message', channel: 'C1', user: 'U1', ts: 'later' }));
    try {
      parseSlackRequest(rawRequest(body), context);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedPayloadError);
      expect((error as MalformedPayloadError).issues?.[0]?.path).toEqual(['event', 'ts']);
    }
  });
});

describe('helpers', () => {
  it('converts Slack ts to ISO instants', () => {
    expect(slackTsToIso('1712345678.123456')).toBe('2024-04-05T19:34:38.123Z');
    expect(slackTsToIso('1712345678.000999')).toBe('2024-04-05T19:34:38.000Z');
    expect(slackTsToIso('1712345678.5')).toBe('2024-04-05T19:34:38.500Z');
  });

  it('extracts each user mention once', () => {
    expect(extractMentions('<@U1> <@U2|bob> <@U1> <!here> <#C1|general>', 'U2')).toEqual([
      { id: 'U1' },
      { id: 'U2', name: 'bob', isSelf: true, isBot: true },
    ]);
  });
});
