import { describe, expect, it } from 'vitest';
import { parseFeishuEvent } from '../src/parse.js';
import { APP_ID, BOT, messageEnvelope, TENANT } from './helpers.js';

const ctx = { installationId: 'inst-1', appId: APP_ID, homeTenant: () => TENANT, botOpenId: () => BOT };
const parse = (envelope: { header: unknown; event: unknown }) =>
  parseFeishuEvent(
    ctx,
    2,
    envelope.header as never,
    envelope.event as Record<string, unknown>,
    new Date('2026-12-01T00:00:00Z'),
  );

describe('parsing Feishu events', () => {
  it('maps a p2p text message to a direct message with union id, tenant and app', () => {
    const [event] = parse(
      messageEnvelope({ eventId: 'ev_1', messageId: 'om_1', openId: 'ou_alice', text: 'hello' }),
    );
    expect(event).toMatchObject({
      kind: 'message',
      eventId: 'ev_1',
      message: {
        platformMessageId: 'om_1',
        msgType: 'text',
        text: 'hello',
        mentionsBot: false,
        sentAt: '2026-01-01T00:00:00.000Z',
        source: {
          channelType: 'feishu',
          tenantKey: TENANT,
          appId: APP_ID,
          chatType: 'direct',
          sender: { id: 'ou_alice', unionId: 'on_alice', isBot: false, isExternal: false },
        },
      },
    });
  });

  it('turns @_user_N placeholders into mentions and sees the bot mentioned by its open id', () => {
    const [event] = parse(
      messageEnvelope({
        chatType: 'group',
        text: '@_user_1 hi @_user_2 and @_user_10',
        mentions: [
          { key: '@_user_1', open_id: BOT, name: 'Bot' },
          { key: '@_user_2', open_id: 'ou_bob', name: 'Bob' },
          { key: '@_user_10', open_id: 'ou_ten', name: 'Ten' },
        ],
      }),
    );
    if (event?.kind !== 'message') throw new Error('expected a message');
    expect(event.message.text).toBe('@Bot hi @Bob and @Ten');
    expect(event.message.mentionsBot).toBe(true);
    expect(event.message.source.chatType).toBe('group');
    expect(event.message.mentions).toEqual([
      { id: BOT, name: 'Bot', isSelf: true, isBot: true },
      { id: 'ou_bob', name: 'Bob' },
      { id: 'ou_ten', name: 'Ten' },
    ]);
  });

  it('maps root_id and parent_id to the reply context', () => {
    const [event] = parse(messageEnvelope({ rootId: 'om_root', parentId: 'om_parent' }));
    expect(event).toMatchObject({
      message: { reply: { replyToMessageId: 'om_parent', threadId: 'om_root' } },
    });
  });

  it('flags a sender of another tenant as external', () => {
    const [event] = parse(messageEnvelope({ senderTenant: 'tenant_other' }));
    expect(event).toMatchObject({ message: { source: { sender: { isExternal: true } } } });
  });

  it('ignores the bot itself and other apps', () => {
    expect(parse(messageEnvelope({ openId: BOT }))[0]).toMatchObject({
      kind: 'ignored',
      reason: 'ignored_self',
    });
    const fromApp = messageEnvelope();
    (fromApp.event.sender as { sender_type: string }).sender_type = 'app';
    expect(parse(fromApp)[0]).toMatchObject({ kind: 'ignored', reason: 'ignored_bot' });
  });

  it.each([
    [
      'post',
      JSON.stringify({
        zh_cn: {
          title: 'T',
          content: [
            [
              { tag: 'text', text: 'line ' },
              { tag: 'a', text: 'link', href: 'https://x' },
            ],
            [{ tag: 'img', image_key: 'img_1' }],
          ],
        },
      }),
      'text',
      'T\nline link',
    ],
    ['image', JSON.stringify({ image_key: 'img_2' }), 'image', undefined],
    ['file', JSON.stringify({ file_key: 'file_1', file_name: 'a.pdf' }), 'file', undefined],
    ['audio', JSON.stringify({ file_key: 'file_a', duration: 3 }), 'audio', undefined],
    ['media', JSON.stringify({ file_key: 'file_v', image_key: 'img_v' }), 'video', undefined],
    ['sticker', JSON.stringify({ file_key: 'stk' }), 'sticker', undefined],
    ['interactive', JSON.stringify({ title: 'Card' }), 'card', 'Card'],
    ['share_chat', JSON.stringify({ chat_id: 'oc_9' }), 'system', 'shared chat oc_9'],
    ['system', JSON.stringify({ template: 'joined' }), 'system', 'joined'],
  ])('reads %s content', (messageType, content, msgType, text) => {
    const [event] = parse(messageEnvelope({ messageType, content }));
    if (event?.kind !== 'message') throw new Error('expected a message');
    expect(event.message.msgType).toBe(msgType);
    expect(event.message.text).toBe(text);
    if (messageType !== 'interactive' && messageType !== 'share_chat' && messageType !== 'system') {
      expect(event.message.media.length).toBe(1);
    }
  });

  it('names the message beside the key in every media ref (the resource API needs both)', () => {
    const [event] = parse(
      messageEnvelope({
        messageId: 'om_media1',
        messageType: 'image',
        content: JSON.stringify({ image_key: 'img_9' }),
      }),
    );
    if (event?.kind !== 'message') throw new Error('expected a message');
    expect(event.message.media).toEqual([{ kind: 'image', id: 'img_9', messageId: 'om_media1' }]);
  });

  it('keeps a message whose content is not JSON, or is huge, as unknown instead of failing', () => {
    const [notJson] = parse(messageEnvelope({ content: 'not json {' }));
    expect(notJson).toMatchObject({
      kind: 'message',
      message: { msgType: 'unknown', raw: { problem: 'content_not_json' } },
    });
    const [huge] = parse(messageEnvelope({ content: JSON.stringify({ text: 'x'.repeat(600 * 1024) }) }));
    expect(huge).toMatchObject({
      kind: 'message',
      message: { msgType: 'unknown', raw: { problem: 'content_too_large' } },
    });
  });

  const envelope = (eventType: string, event: Record<string, unknown>) => ({
    header: {
      event_id: `ev_${eventType}`,
      event_type: eventType,
      app_id: APP_ID,
      tenant_key: TENANT,
      create_time: '1767225600000',
    },
    event,
  });

  it('maps reactions, membership, bot membership and recall to their event kinds', () => {
    expect(
      parse(
        envelope('im.message.reaction.created_v1', {
          message_id: 'om_1',
          reaction_type: { emoji_type: 'THUMBSUP' },
          operator_type: 'user',
          user_id: { open_id: 'ou_a', union_id: 'on_a' },
          action_time: '1767225600000',
        }),
      )[0],
    ).toMatchObject({
      kind: 'reaction',
      reaction: {
        action: 'added',
        emoji: 'THUMBSUP',
        platformMessageId: 'om_1',
        source: { tenantKey: TENANT, sender: { id: 'ou_a' } },
      },
    });
    const joined = parse(
      envelope('im.chat.member.user.added_v1', {
        chat_id: 'oc_1',
        operator_id: { open_id: 'ou_admin' },
        users: [
          { name: 'A', tenant_key: TENANT, user_id: { open_id: 'ou_a', union_id: 'on_a' } },
          { name: 'G', tenant_key: 'tenant_other', user_id: { open_id: 'ou_g', union_id: 'on_g' } },
        ],
      }),
    );
    expect(joined).toHaveLength(2);
    expect(joined[0]).toMatchObject({
      kind: 'membership',
      eventId: 'ev_im.chat.member.user.added_v1:ou_a',
      membership: {
        action: 'member_joined',
        chatId: 'oc_1',
        actorId: 'ou_admin',
        member: { id: 'ou_a', unionId: 'on_a', isExternal: false },
      },
    });
    expect(joined[1]).toMatchObject({ membership: { member: { id: 'ou_g', isExternal: true } } });
    expect(
      parse(
        envelope('im.chat.member.user.deleted_v1', {
          chat_id: 'oc_1',
          users: [{ user_id: { open_id: 'ou_a' } }],
        }),
      )[0],
    ).toMatchObject({ membership: { action: 'member_left' } });
    expect(
      parse(
        envelope('im.chat.member.bot.added_v1', { chat_id: 'oc_1', operator_id: { open_id: 'ou_admin' } }),
      )[0],
    ).toMatchObject({ membership: { action: 'bot_added', member: { id: BOT, isBot: true } } });
    expect(parse(envelope('im.chat.member.bot.deleted_v1', { chat_id: 'oc_1' }))[0]).toMatchObject({
      membership: { action: 'bot_removed' },
    });
    expect(
      parse(
        envelope('im.message.recalled_v1', {
          message_id: 'om_1',
          chat_id: 'oc_1',
          recall_time: '1767225600000',
        }),
      )[0],
    ).toMatchObject({ kind: 'delete', delete: { chatId: 'oc_1', platformMessageId: 'om_1' } });
    expect(parse(envelope('contact.user.created_v3', {}))[0]).toMatchObject({
      kind: 'ignored',
      reason: 'unsupported_event',
    });
  });
});
