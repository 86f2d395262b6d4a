import {
  checkPayload,
  decodeJsonBody,
  type IgnoreReason,
  type InboundEvent,
  type MediaRef,
  type Mention,
  type MsgType,
  type ParseResult,
  parseInboundMessage,
  type WebhookRequest,
} from '@switchboard/core';
import { z } from 'zod';

export interface SlackParseContext {
  installationId: string;
  /** The installation's app; messages the app posted itself are ignored as `ignored_self`. */
  appId: string;
  botUserId: string;
  /** The installation's team (or Enterprise Grid org) id: an org-wide install reports the org. */
  homeTenant?: string;
}

/** `detail` of the channel `message` that repeats an `app_mention` Slack also delivered. */
export const DUPLICATE_OF_APP_MENTION = 'duplicate_of_app_mention';

/** Plain user messages carry no subtype; these subtypes are user messages too. */
const MESSAGE_SUBTYPES: ReadonlySet<string> = new Set(['file_share', 'thread_broadcast', 'me_message']);
/** Thread bookkeeping; Slack marks it `hidden: true` (edits and deletions are events of their own). */
const EDIT_SUBTYPES: ReadonlySet<string> = new Set(['message_replied']);

const typedBodySchema = z.looseObject({ type: z.string().min(1) });
const urlVerificationSchema = z.looseObject({ challenge: z.string().min(1) });
const appRateLimitedSchema = z.looseObject({
  team_id: z.string().min(1),
  minute_rate_limited: z.number(),
});
const eventCallbackSchema = z.looseObject({
  team_id: z.string().min(1),
  api_app_id: z.string().min(1).optional(),
  enterprise_id: z.string().nullish(),
  is_ext_shared_channel: z.boolean().optional(),
  event_id: z.string().min(1),
  event_time: z.number().int().optional().default(0),
  event: z.looseObject({ type: z.string().min(1) }),
});
type EventCallback = z.output<typeof eventCallbackSchema>;

/** The fields that decide whether a message is ignored; all optional so odd subtypes still classify. */
const messageTraitsSchema = z.looseObject({
  subtype: z.string().optional(),
  hidden: z.boolean().optional(),
  user: z.string().optional(),
  bot_id: z.string().nullish(),
  app_id: z.string().nullish(),
  bot_profile: z.looseObject({ app_id: z.string().nullish() }).nullish(),
  channel_type: z.string().optional(),
  text: z.string().nullish(),
});
type MessageTraits = z.output<typeof messageTraitsSchema>;

/** Slack message timestamps: unix seconds with a microsecond-ish suffix, e.g. "1712345678.123456". */
const slackTsSchema = z
  .string()
  .regex(/^\d{1,12}\.\d{1,6}$/, { message: 'expected a Slack ts like 1712345678.123456' });

const fileSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  title: z.string().nullish(),
  mimetype: z.string().nullish(),
  size: z.number().int().min(0).nullish(),
  url_private: z.string().nullish(),
});
type SlackFile = z.output<typeof fileSchema>;

const userMessageSchema = z.looseObject({
  channel: z.string().min(1),
  user: z.string().min(1),
  ts: slackTsSchema,
  thread_ts: slackTsSchema.optional(),
  text: z.string().nullish(),
  files: z.array(fileSchema).optional(),
  team: z.string().optional(),
  user_team: z.string().optional(),
  user_profile: z
    .looseObject({ display_name: z.string().nullish(), real_name: z.string().nullish() })
    .nullish(),
});
type UserMessage = z.output<typeof userMessageSchema>;

/** Parses a verified Events API request body; throws `MalformedPayloadError` on bad JSON or shape. */
export function parseSlackRequest(req: WebhookRequest, context: SlackParseContext): ParseResult {
  return parseSlackPayload(decodeJson(req.rawBody), context);
}

/** The same on an already decoded body (an Events API post, or a Socket Mode `events_api` payload). */
export function parseSlackPayload(body: unknown, context: SlackParseContext): ParseResult {
  const { type } = check(typedBodySchema, body, []);
  switch (type) {
    case 'url_verification': {
      const { challenge } = check(urlVerificationSchema, body, []);
      return { response: { status: 200, body: { challenge } }, events: [] };
    }
    case 'event_callback':
      return { events: [toInboundEvent(check(eventCallbackSchema, body, []), context)] };
    case 'app_rate_limited': {
      // Slack dropped events for a minute; there is no event_id, so key it on team and minute.
      const limited = check(appRateLimitedSchema, body, []);
      return {
        events: [
          {
            kind: 'ignored',
            eventId: `app_rate_limited:${limited.team_id}:${limited.minute_rate_limited}`,
            reason: 'unsupported_event',
            detail: 'app_rate_limited: Slack dropped events during this minute',
          },
        ],
      };
    }
    default:
      // Nothing else is posted to an Events API URL; acknowledge without recording anything.
      return { events: [] };
  }
}

function decodeJson(rawBody: Uint8Array): unknown {
  return decodeJsonBody(rawBody, 'Slack');
}

function check<S extends z.ZodType>(schema: S, value: unknown, path: PropertyKey[]): z.output<S> {
  return checkPayload(schema, value, path, 'Slack payload has an unexpected shape');
}

function toInboundEvent(body: EventCallback, context: SlackParseContext): InboundEvent {
  const eventId = body.event_id;
  const eventType = body.event.type;
  const ignored = (reason: IgnoreReason, detail: string): InboundEvent => ({
    kind: 'ignored',
    eventId,
    reason,
    detail,
  });
  const other = parseOtherEvent(body, context);
  if (other) return other;
  if (eventType !== 'message' && eventType !== 'app_mention') {
    return ignored('unsupported_event', `event type "${eventType}"`);
  }
  const traits = check(messageTraitsSchema, body.event, ['event']);
  if (traits.subtype === 'message_changed') return toEdit(body, context);
  if (traits.subtype === 'message_deleted') return toDeletion(body, context);
  const skip = classify(eventType, traits, context);
  if (skip) return ignored(skip.reason, skip.detail);
  const event = check(userMessageSchema, body.event, ['event']);
  const channelType = body.event.channel_type as string | undefined;
  return {
    kind: 'message',
    eventId,
    message: toInboundMessage(eventType, body, event, channelType, context),
  };
}

const editSchema = z.looseObject({
  channel: z.string().min(1),
  channel_type: z.string().optional(),
  event_ts: slackTsSchema,
  message: messageTraitsSchema.extend({ edited: z.looseObject({ ts: slackTsSchema }).optional() }),
  previous_message: z.looseObject({ text: z.string().nullish() }).optional(),
});

/**
 * `message_changed`: the nested `message` is the message as it now reads. Slack also sends one
 * when it unfurls a link or a thread gains replies; those change no text and stay ignored.
 */
function toEdit(body: EventCallback, context: SlackParseContext): InboundEvent {
  const eventId = body.event_id;
  const event = check(editSchema, body.event, ['event']);
  const skip = classify('message', { ...event.message, subtype: undefined, hidden: undefined }, context);
  if (skip && skip.reason !== 'unsupported_event') {
    return { kind: 'ignored', eventId, reason: skip.reason, detail: `edit: ${skip.detail}` };
  }
  if (!event.message.edited || (event.message.text ?? '') === (event.previous_message?.text ?? '')) {
    return {
      kind: 'ignored',
      eventId,
      reason: 'ignored_edit',
      detail: 'message_changed without a text edit',
    };
  }
  const edited = check(userMessageSchema, { ...event.message, channel: event.channel }, ['event', 'message']);
  const message = toInboundMessage('message', body, edited, event.channel_type, context);
  return {
    kind: 'edit',
    eventId,
    edit: { message, editedAt: slackTsToIso(event.message.edited.ts) },
  };
}

const deletionSchema = z.looseObject({
  channel: z.string().min(1),
  deleted_ts: slackTsSchema,
  event_ts: slackTsSchema,
  previous_message: messageTraitsSchema.optional(),
});

/** `message_deleted`: which message went; the bot's own deletions are its own business. */
function toDeletion(body: EventCallback, context: SlackParseContext): InboundEvent {
  const eventId = body.event_id;
  const event = check(deletionSchema, body.event, ['event']);
  const previous = event.previous_message;
  const skip = previous
    ? classify('message', { ...previous, subtype: undefined, hidden: undefined }, context)
    : undefined;
  if (skip?.reason === 'ignored_self') {
    return { kind: 'ignored', eventId, reason: 'ignored_self', detail: `delete: ${skip.detail}` };
  }
  return {
    kind: 'delete',
    eventId,
    delete: {
      scope: eventScope(body, context),
      chatId: event.channel,
      platformMessageId: event.deleted_ts,
      occurredAt: slackTsToIso(event.event_ts),
    },
  };
}

const channelMembershipSchema = z.looseObject({
  type: z.enum(['member_joined_channel', 'member_left_channel']),
  user: z.string().min(1),
  channel: z.string().min(1),
  channel_type: z.string().optional(),
  inviter: z.string().min(1).optional(),
  /** The member's own team; another one than the event's is a Slack Connect user. */
  team: z.string().optional(),
  event_ts: slackTsSchema,
});
const teamJoinSchema = z.looseObject({
  user: z.looseObject({
    id: z.string().min(1),
    team_id: z.string().optional(),
    is_bot: z.boolean().optional(),
    real_name: z.string().nullish(),
    profile: z.looseObject({ display_name: z.string().nullish(), real_name: z.string().nullish() }).nullish(),
  }),
  event_ts: slackTsSchema.optional(),
});
const reactionEventSchema = z.looseObject({
  type: z.enum(['reaction_added', 'reaction_removed']),
  user: z.string().min(1),
  reaction: z.string().min(1),
  item: z.looseObject({ type: z.string(), channel: z.string().optional(), ts: slackTsSchema.optional() }),
  event_ts: slackTsSchema,
});

/** Membership and reaction events; undefined for the message event types. */
function parseOtherEvent(body: EventCallback, context: SlackParseContext): InboundEvent | undefined {
  const eventId = body.event_id;
  switch (body.event.type) {
    case 'member_joined_channel':
    case 'member_left_channel': {
      const event = check(channelMembershipSchema, body.event, ['event']);
      const isBot = event.user === context.botUserId;
      const joined = event.type === 'member_joined_channel';
      return {
        kind: 'membership',
        eventId,
        membership: {
          scope: eventScope(body, context),
          action: isBot ? (joined ? 'bot_added' : 'bot_removed') : joined ? 'member_joined' : 'member_left',
          chatId: event.channel,
          // C: public channel, G: private channel or group DM.
          chatType: 'group',
          member: {
            id: event.user,
            isBot,
            isExternal: !body.enterprise_id && event.team !== undefined && event.team !== body.team_id,
          },
          ...(event.inviter ? { actorId: event.inviter } : {}),
          occurredAt: slackTsToIso(event.event_ts),
        },
      };
    }
    case 'team_join': {
      const { user, event_ts } = check(teamJoinSchema, body.event, ['event']);
      const displayName =
        user.profile?.display_name || user.profile?.real_name || user.real_name || undefined;
      return {
        kind: 'membership',
        eventId,
        membership: {
          scope: eventScope(body, context),
          action: 'member_joined',
          member: {
            id: user.id,
            ...(displayName ? { displayName } : {}),
            isBot: user.is_bot === true,
            isExternal: user.team_id !== undefined && user.team_id !== body.team_id,
          },
          occurredAt: event_ts ? slackTsToIso(event_ts) : new Date(body.event_time * 1000).toISOString(),
        },
      };
    }
    case 'reaction_added':
    case 'reaction_removed': {
      const event = check(reactionEventSchema, body.event, ['event']);
      const { channel, ts } = event.item;
      if (event.item.type !== 'message' || !channel || !ts) {
        return {
          kind: 'ignored',
          eventId,
          reason: 'unsupported_event',
          detail: `reaction to a ${event.item.type}`,
        };
      }
      if (event.user === context.botUserId) {
        return { kind: 'ignored', eventId, reason: 'ignored_self', detail: `sender ${event.user}` };
      }
      return {
        kind: 'reaction',
        eventId,
        reaction: {
          source: {
            ...eventScope(body, context),
            chatId: channel,
            chatType: channel.startsWith('D') ? 'direct' : 'group',
            sender: { id: event.user, isBot: false, isExternal: false },
          },
          action: event.type === 'reaction_added' ? 'added' : 'removed',
          emoji: event.reaction,
          platformMessageId: ts,
          occurredAt: slackTsToIso(event.event_ts),
        },
      };
    }
    default:
      return undefined;
  }
}

function eventScope(body: EventCallback, context: SlackParseContext) {
  return {
    channelType: 'slack',
    installationId: context.installationId,
    tenantKey: eventTenant(body, context),
    ...(body.api_app_id ? { appId: body.api_app_id } : {}),
  };
}

function classify(
  eventType: 'message' | 'app_mention',
  traits: MessageTraits,
  context: SlackParseContext,
): { reason: IgnoreReason; detail: string } | undefined {
  // Self before bot: the bot's own posts carry a bot_id too.
  if (traits.user !== undefined && traits.user === context.botUserId) {
    return { reason: 'ignored_self', detail: `sender ${traits.user}` };
  }
  if (traits.app_id === context.appId || traits.bot_profile?.app_id === context.appId) {
    return { reason: 'ignored_self', detail: `posted by app ${context.appId}` };
  }
  if (traits.bot_id || traits.subtype === 'bot_message') {
    return { reason: 'ignored_bot', detail: `bot ${traits.bot_id ?? traits.user ?? 'unknown'}` };
  }
  const subtype = traits.subtype;
  if ((subtype !== undefined && EDIT_SUBTYPES.has(subtype)) || traits.hidden === true) {
    return { reason: 'ignored_edit', detail: `message subtype "${subtype ?? 'hidden'}"` };
  }
  if (subtype !== undefined && !MESSAGE_SUBTYPES.has(subtype)) {
    return { reason: 'unsupported_event', detail: `message subtype "${subtype}"` };
  }
  // Outside DMs Slack delivers a mention of the bot twice: as `app_mention` and as `message`
  // (message.channels/groups/mpim) with another event_id. Keep the app_mention only.
  if (
    eventType === 'message' &&
    traits.channel_type !== 'im' &&
    extractMentions(traits.text ?? '', context.botUserId).some((mention) => mention.isSelf)
  ) {
    return { reason: 'unsupported_event', detail: DUPLICATE_OF_APP_MENTION };
  }
  return undefined;
}

function toInboundMessage(
  eventType: 'message' | 'app_mention',
  body: EventCallback,
  event: UserMessage,
  channelType: string | undefined,
  context: SlackParseContext,
) {
  // app_mention carries no channel_type; it never fires in DMs, so it is a group or thread message.
  const isDirect = eventType === 'message' && channelType === 'im';
  const inThread = event.thread_ts !== undefined && event.thread_ts !== event.ts;
  const text = event.text ?? undefined;
  const mentions = extractMentions(text ?? '', context.botUserId);
  const media = (event.files ?? []).map(toMediaRef);
  const displayName = event.user_profile?.display_name || event.user_profile?.real_name || undefined;
  return parseInboundMessage({
    // A ts is unique within its channel (chatId); chat.update addresses messages by (channel, ts).
    platformMessageId: event.ts,
    source: {
      channelType: 'slack',
      installationId: context.installationId,
      tenantKey: eventTenant(body, context),
      ...(body.api_app_id ? { appId: body.api_app_id } : {}),
      chatId: event.channel,
      chatType: isDirect ? 'direct' : inThread ? 'thread' : 'group',
      sender: {
        id: event.user,
        displayName,
        isBot: false,
        isExternal: isExternalSender(body, event),
      },
    },
    msgType: msgTypeFor(media),
    text: text === '' ? undefined : text,
    media,
    // thread_ts is the PARENT message's ts: replying with it lands in the same thread.
    reply: inThread ? { threadId: event.thread_ts } : undefined,
    mentions,
    mentionsBot: eventType === 'app_mention' || isDirect || mentions.some((mention) => mention.isSelf),
    sentAt: slackTsToIso(event.ts),
    // The inner event only: the envelope carries the legacy verification token.
    raw: body.event,
  });
}

/**
 * The tenant of an event, in the installation's terms: an app installed org-wide on Enterprise
 * Grid is configured with the org id, and its events name the org in `enterprise_id`.
 */
function eventTenant(body: EventCallback, context: SlackParseContext): string {
  if (body.enterprise_id && context.homeTenant === body.enterprise_id) return body.enterprise_id;
  return body.team_id;
}

/**
 * Slack Connect users carry their home team in `user_team` (or `team`). In an Enterprise Grid org,
 * users of sibling workspaces have their own team id too, so there only a channel Slack flags as
 * shared with another organisation makes a sender external.
 */
function isExternalSender(body: EventCallback, event: UserMessage): boolean {
  const userTeam = event.user_team ?? event.team;
  if (userTeam === undefined || userTeam === body.team_id) return false;
  if (body.enterprise_id) return body.is_ext_shared_channel === true;
  return true;
}

function toMediaRef(file: SlackFile): MediaRef {
  return {
    kind: mediaKindFor(file.mimetype ?? undefined),
    id: file.id,
    url: file.url_private ?? undefined,
    mimeType: file.mimetype || undefined,
    name: file.name || file.title || undefined,
    size: file.size ?? undefined,
  };
}

function mediaKindFor(mimeType: string | undefined): MediaRef['kind'] {
  if (mimeType?.startsWith('image/')) return 'image';
  if (mimeType?.startsWith('audio/')) return 'audio';
  if (mimeType?.startsWith('video/')) return 'video';
  return 'file';
}

function msgTypeFor(media: MediaRef[]): MsgType {
  const first = media[0];
  if (!first) return 'text';
  return media.every((ref) => ref.kind === first.kind) ? first.kind : 'file';
}

const MENTION_PATTERN = /<@([A-Z0-9]+)(?:\|([^>]*))?>/g;

/** `<@U123>` (and the legacy `<@U123|name>`) user mentions, once per user, in order of appearance. */
export function extractMentions(text: string, botUserId: string): Mention[] {
  const mentions = new Map<string, Mention>();
  for (const match of text.matchAll(MENTION_PATTERN)) {
    const id = match[1];
    if (!id || mentions.has(id)) continue;
    const isSelf = id === botUserId;
    mentions.set(id, {
      id,
      ...(match[2] ? { name: match[2] } : {}),
      ...(isSelf ? { isSelf: true, isBot: true } : {}),
    });
  }
  return [...mentions.values()];
}

/** "1712345678.123456" → "2024-04-05T19:34:38.123Z" (millisecond precision). */
export function slackTsToIso(ts: string): string {
  const [seconds = '0', fraction = ''] = ts.split('.');
  const micros = Number(fraction.padEnd(6, '0').slice(0, 6));
  return new Date(Number(seconds) * 1000 + Math.floor(micros / 1000)).toISOString();
}
