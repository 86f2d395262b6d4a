import type { InboundEvent, InboundMessage, Mention, Sender } from '@switchboard/core';
import { parseFeishuContent } from './content.js';
import type { FeishuEventHeader } from './envelope.js';

/** What parsing needs to know about the installation; the bot's open id is learnt at connect. */
export interface FeishuParseContext {
  installationId: string;
  appId: string;
  homeTenant(): string | undefined;
  botOpenId(): string | undefined;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const obj = (value: unknown): Json => (isObject(value) ? value : {});

/** Feishu times are milliseconds (as strings); a missing or odd one is "now" of the receipt. */
function isoFromMillis(value: unknown, fallback: Date): string {
  const ms = typeof value === 'string' || typeof value === 'number' ? Number(value) : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : fallback.toISOString();
}

interface UserIds {
  open_id?: string;
  union_id?: string;
}

function userIds(value: unknown): UserIds {
  const ids = obj(value);
  return {
    ...(str(ids.open_id) ? { open_id: ids.open_id as string } : {}),
    ...(str(ids.union_id) ? { union_id: ids.union_id as string } : {}),
  };
}

/** A person's tenant differs from the event's (or the installation's): an external guest. */
function isExternal(
  personTenant: string | undefined,
  eventTenant: string | undefined,
  home: string | undefined,
): boolean {
  if (personTenant === undefined) return false;
  return (
    (eventTenant !== undefined && personTenant !== eventTenant) ||
    (home !== undefined && personTenant !== home)
  );
}

function scope(ctx: FeishuParseContext, header: FeishuEventHeader) {
  return {
    channelType: 'feishu',
    installationId: ctx.installationId,
    ...(header.tenant_key ? { tenantKey: header.tenant_key } : {}),
    ...(header.app_id ? { appId: header.app_id } : {}),
  };
}

function person(
  ids: UserIds,
  extra: { name?: string; isBot?: boolean; external: boolean },
): Sender | undefined {
  const id = ids.open_id ?? ids.union_id;
  if (!id) return undefined;
  return {
    id,
    ...(ids.union_id ? { unionId: ids.union_id } : {}),
    ...(extra.name ? { displayName: extra.name } : {}),
    isBot: extra.isBot ?? false,
    isExternal: extra.external,
  };
}

const ignored = (
  eventId: string,
  reason: 'ignored_self' | 'ignored_bot' | 'unsupported_event',
  detail: string,
) => ({ kind: 'ignored', eventId, reason, detail }) as const;

function parseMessage(
  ctx: FeishuParseContext,
  header: FeishuEventHeader,
  event: Json,
  receivedAt: Date,
): InboundEvent {
  const message = obj(event.message);
  const sender = obj(event.sender);
  const messageId = str(message.message_id);
  const chatId = str(message.chat_id);
  if (!messageId || !chatId)
    return ignored(header.event_id, 'unsupported_event', 'message without message_id or chat_id');
  const ids = userIds(sender.sender_id);
  const bot = ctx.botOpenId();
  if (sender.sender_type === 'app' || (bot !== undefined && ids.open_id === bot)) {
    return ignored(header.event_id, ids.open_id === bot ? 'ignored_self' : 'ignored_bot', 'sent by an app');
  }
  const from = person(ids, {
    external: isExternal(str(sender.tenant_key), header.tenant_key, ctx.homeTenant()),
  });
  if (!from) return ignored(header.event_id, 'unsupported_event', 'message without a sender id');

  const content = parseFeishuContent(str(message.message_type) ?? 'unknown', String(message.content ?? '{}'));
  const mentions: Mention[] = [];
  let text = content.text;
  for (const raw of Array.isArray(message.mentions) ? message.mentions : []) {
    if (!isObject(raw)) continue;
    const mentioned = userIds(raw.id);
    const id = mentioned.open_id ?? mentioned.union_id;
    if (!id) continue;
    const name = str(raw.name);
    const isSelf = bot !== undefined && mentioned.open_id === bot;
    mentions.push({ id, ...(name ? { name } : {}), ...(isSelf ? { isSelf: true, isBot: true } : {}) });
    const key = str(raw.key);
    // `@_user_1` in the text stands for this mention; `@_user_10` must not match `@_user_1`.
    if (key && text) text = text.replace(new RegExp(`${key}(?!\\d)`, 'g'), `@${name ?? id}`);
  }
  const parentId = str(message.parent_id);
  const rootId = str(message.root_id) ?? str(message.thread_id);
  const input: InboundMessage = {
    platformMessageId: messageId,
    source: {
      ...scope(ctx, header),
      chatId,
      chatType: message.chat_type === 'p2p' ? 'direct' : 'group',
      sender: from,
    },
    msgType: content.msgType,
    ...(text !== undefined ? { text } : {}),
    // The resource API needs the message beside the key.
    media: content.media.map((ref) => ({ ...ref, messageId })),
    ...(parentId || rootId
      ? {
          reply: {
            ...(parentId ? { replyToMessageId: parentId } : {}),
            ...(rootId ? { threadId: rootId } : {}),
          },
        }
      : {}),
    mentions,
    mentionsBot: mentions.some((mention) => mention.isSelf === true),
    sentAt: isoFromMillis(message.create_time ?? header.create_time, receivedAt),
    raw: content.problem
      ? { problem: content.problem, message_type: message.message_type }
      : { header, event },
  };
  return { kind: 'message', eventId: header.event_id, message: input };
}

function parseReaction(
  ctx: FeishuParseContext,
  header: FeishuEventHeader,
  event: Json,
  receivedAt: Date,
  action: 'added' | 'removed',
): InboundEvent {
  const messageId = str(event.message_id);
  const emoji = str(obj(event.reaction_type).emoji_type);
  if (event.operator_type === 'app') return ignored(header.event_id, 'ignored_bot', 'reaction by an app');
  const from = person(userIds(event.user_id), { external: false });
  if (!messageId || !emoji || !from)
    return ignored(header.event_id, 'unsupported_event', 'reaction without message, emoji or user');
  return {
    kind: 'reaction',
    eventId: header.event_id,
    reaction: {
      // Feishu's reaction events do not name the chat: the message stands in for it.
      source: { ...scope(ctx, header), chatId: messageId, chatType: 'group', sender: from },
      action,
      emoji,
      platformMessageId: messageId,
      occurredAt: isoFromMillis(event.action_time, receivedAt),
    },
  };
}

function parseMemberUsers(
  ctx: FeishuParseContext,
  header: FeishuEventHeader,
  event: Json,
  receivedAt: Date,
  action: 'member_joined' | 'member_left',
): InboundEvent[] {
  const chatId = str(event.chat_id);
  const actor = userIds(event.operator_id);
  const users = Array.isArray(event.users) ? event.users.filter(isObject) : [];
  const events: InboundEvent[] = [];
  for (const user of users) {
    const member = person(userIds(user.user_id), {
      ...(str(user.name) ? { name: user.name as string } : {}),
      external: isExternal(str(user.tenant_key), header.tenant_key, ctx.homeTenant()),
    });
    if (!member) continue;
    events.push({
      kind: 'membership',
      // One event per member: each is recorded and deduplicated on its own.
      eventId: `${header.event_id}:${member.id}`,
      membership: {
        scope: scope(ctx, header),
        action,
        ...(chatId ? { chatId, chatType: 'group' as const } : {}),
        member,
        ...(actor.open_id ? { actorId: actor.open_id } : {}),
        occurredAt: isoFromMillis(header.create_time, receivedAt),
      },
    });
  }
  return events.length > 0
    ? events
    : [ignored(header.event_id, 'unsupported_event', 'membership without users')];
}

function parseBotMembership(
  ctx: FeishuParseContext,
  header: FeishuEventHeader,
  event: Json,
  receivedAt: Date,
  action: 'bot_added' | 'bot_removed',
): InboundEvent {
  const chatId = str(event.chat_id);
  const actor = userIds(event.operator_id);
  return {
    kind: 'membership',
    eventId: header.event_id,
    membership: {
      scope: scope(ctx, header),
      action,
      ...(chatId ? { chatId, chatType: 'group' as const } : {}),
      member: { id: ctx.botOpenId() ?? ctx.appId, isBot: true, isExternal: false },
      ...(actor.open_id ? { actorId: actor.open_id } : {}),
      occurredAt: isoFromMillis(header.create_time, receivedAt),
    },
  };
}

function parseRecall(
  ctx: FeishuParseContext,
  header: FeishuEventHeader,
  event: Json,
  receivedAt: Date,
): InboundEvent {
  const messageId = str(event.message_id);
  const chatId = str(event.chat_id);
  if (!messageId || !chatId)
    return ignored(header.event_id, 'unsupported_event', 'recall without message or chat');
  return {
    kind: 'delete',
    eventId: header.event_id,
    delete: {
      scope: scope(ctx, header),
      chatId,
      platformMessageId: messageId,
      occurredAt: isoFromMillis(event.recall_time, receivedAt),
    },
  };
}

/** A v1 `message` event (older apps): text only, lifted to the v2 message shape. */
function liftV1Message(event: Json): Json {
  const text = str(event.text) ?? '';
  return {
    sender: {
      sender_id: { open_id: event.open_id, union_id: event.union_id },
      sender_type: 'user',
      tenant_key: event.tenant_key,
    },
    message: {
      message_id: event.open_message_id,
      root_id: event.root_id,
      parent_id: event.parent_id,
      chat_id: event.open_chat_id,
      chat_type: event.chat_type === 'private' ? 'p2p' : 'group',
      message_type: event.msg_type === 'text' ? 'text' : String(event.msg_type ?? 'unknown'),
      content: JSON.stringify({ text }),
      mentions: [],
    },
  };
}

/**
 * One decoded event → core events. `header.token` is not looked at here: on the long connection
 * it is empty, and the webhook path checked it before parsing.
 */
export function parseFeishuEvent(
  ctx: FeishuParseContext,
  version: 1 | 2,
  header: FeishuEventHeader,
  event: Json,
  receivedAt: Date,
): InboundEvent[] {
  switch (header.event_type) {
    case 'im.message.receive_v1':
      return [parseMessage(ctx, header, event, receivedAt)];
    case 'message':
      return [
        version === 1
          ? parseMessage(ctx, header, liftV1Message(event), receivedAt)
          : ignored(header.event_id, 'unsupported_event', 'message'),
      ];
    case 'im.message.reaction.created_v1':
      return [parseReaction(ctx, header, event, receivedAt, 'added')];
    case 'im.message.reaction.deleted_v1':
      return [parseReaction(ctx, header, event, receivedAt, 'removed')];
    case 'im.chat.member.user.added_v1':
      return parseMemberUsers(ctx, header, event, receivedAt, 'member_joined');
    case 'im.chat.member.user.deleted_v1':
    case 'im.chat.member.user.withdrawn_v1':
      return parseMemberUsers(ctx, header, event, receivedAt, 'member_left');
    case 'im.chat.member.bot.added_v1':
      return [parseBotMembership(ctx, header, event, receivedAt, 'bot_added')];
    case 'im.chat.member.bot.deleted_v1':
      return [parseBotMembership(ctx, header, event, receivedAt, 'bot_removed')];
    case 'im.message.recalled_v1':
      return [parseRecall(ctx, header, event, receivedAt)];
    default:
      return [ignored(header.event_id, 'unsupported_event', header.event_type)];
  }
}
