import { z } from 'zod';

// Every object is `loose`: a hub newer than this SDK may add fields, and an agent must keep working.

/** Open string unions: the known values autocomplete, new ones still type-check. */
type Open<T extends string> = T | (string & {});

/** A string naming one of `known` today, and whatever a newer hub adds tomorrow. */
function openEnum<T extends string>(..._known: T[]): z.ZodType<Open<T>, string> {
  return z.string().min(1);
}

const sender = z
  .object({
    /** The platform's id for the sender (Slack user id, Feishu open_id, WhatsApp JID…). */
    id: z.string().min(1),
    unionId: z.string().optional(),
    displayName: z.string().optional(),
    isBot: z.boolean().default(false),
    isExternal: z.boolean().default(false),
  })
  .loose();

const source = z
  .object({
    channelType: z.string().min(1),
    installationId: z.string().min(1),
    tenantKey: z.string().optional(),
    chatId: z.string().min(1),
    chatType: openEnum('direct', 'group', 'thread'),
    sender,
  })
  .loose();

const replyContext = z
  .object({ replyToMessageId: z.string().min(1).optional(), threadId: z.string().min(1).optional() })
  .loose();

const media = z
  .object({
    kind: openEnum('image', 'file', 'audio', 'video', 'sticker'),
    id: z.string().min(1),
    url: z.string().optional(),
    mimeType: z.string().optional(),
    name: z.string().optional(),
    size: z.number().optional(),
  })
  .loose();

const mention = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    isBot: z.boolean().optional(),
    isSelf: z.boolean().optional(),
  })
  .loose();

export const messageSchema = z
  .object({
    platformMessageId: z.string().min(1),
    source,
    msgType: openEnum('text', 'image', 'file', 'audio', 'video', 'sticker', 'card', 'system', 'unknown'),
    text: z.string().optional(),
    media: z.array(media).default([]),
    /** Where the message sits: a thread (`threadId`) or a quoted message. Replies go to the same place. */
    reply: replyContext.optional(),
    mentions: z.array(mention).default([]),
    mentionsBot: z.boolean().default(false),
    sentAt: z.string(),
  })
  .loose();

/** The hub user the sender is bound to (the hub identified them before delivering). */
const hubUser = z.object({ id: z.string().min(1), username: z.string() }).loose();

const envelopeFields = {
  /** The delivery id: stable across the hub's retries, so it is the key to drop repeats by. */
  id: z.string().min(1).max(100),
  installationId: z.string().min(1),
  workspaceId: z.string().min(1),
  channelType: z.string().min(1),
};

const messageEvent = z
  .object({
    type: z.literal('message'),
    ...envelopeFields,
    message: messageSchema,
    user: hubUser,
    /** The session this agent named for the conversation earlier (see `setSession`). */
    session: z
      .object({ id: z.string().min(1) })
      .loose()
      .optional(),
  })
  .loose();

// The other kinds, sent to agents that choose them (the agent's `eventTypes`, docs/api.md).
// Each payload sits under the key named by its type; payloads grow, they do not change.

const statusEvent = z
  .object({
    type: z.literal('status'),
    ...envelopeFields,
    status: z
      .object({
        /** What happened to a message this agent sent. */
        state: openEnum('sent', 'delivered', 'read', 'failed'),
        /** The id the hub answered when the message was sent. */
        outboundMessageId: z.string().optional(),
        platformMessageId: z.string().optional(),
        chatId: z.string().optional(),
        /** The platform's error code when `state` is `failed`. */
        errorCode: z.string().optional(),
        error: z.string().optional(),
        occurredAt: z.string().optional(),
      })
      .loose(),
  })
  .loose();

const membershipEvent = z
  .object({
    type: z.literal('membership'),
    ...envelopeFields,
    membership: z
      .object({
        action: openEnum('member_joined', 'member_left', 'bot_added', 'bot_removed'),
        /** Absent when the member joined or left the tenant itself rather than a chat. */
        chatId: z.string().optional(),
        chatType: z.string().optional(),
        member: sender.optional(),
        /** Who added or removed them, where the platform says. */
        actorId: z.string().optional(),
        occurredAt: z.string().optional(),
        /** The member's hub user, when they are one (a joining member may have just been provisioned). */
        user: hubUser.optional(),
      })
      .loose(),
  })
  .loose();

const reactionEvent = z
  .object({
    type: z.literal('reaction'),
    ...envelopeFields,
    reaction: z
      .object({
        action: openEnum('added', 'removed'),
        emoji: z.string().min(1),
        chatId: z.string().min(1),
        platformMessageId: z.string().min(1),
        sender: sender.optional(),
        occurredAt: z.string().optional(),
      })
      .loose(),
    user: hubUser.optional(),
  })
  .loose();

const editEvent = z
  .object({
    type: z.literal('edit'),
    ...envelopeFields,
    /** The message as it reads after the edit. */
    edit: z.object({ message: messageSchema, editedAt: z.string().optional() }).loose(),
    user: hubUser.optional(),
  })
  .loose();

const deleteEvent = z
  .object({
    type: z.literal('delete'),
    ...envelopeFields,
    delete: z
      .object({
        chatId: z.string().min(1),
        platformMessageId: z.string().min(1),
        occurredAt: z.string().optional(),
      })
      .loose(),
  })
  .loose();

const knownEvents = {
  message: messageEvent,
  status: statusEvent,
  membership: membershipEvent,
  reaction: reactionEvent,
  edit: editEvent,
  delete: deleteEvent,
} as const;

export type Message = z.output<typeof messageSchema>;
export type HubUser = z.output<typeof hubUser>;
export type MessageEvent = z.output<typeof messageEvent>;
export type StatusEvent = z.output<typeof statusEvent>;
export type MembershipEvent = z.output<typeof membershipEvent>;
export type ReactionEvent = z.output<typeof reactionEvent>;
export type EditEvent = z.output<typeof editEvent>;
export type DeleteEvent = z.output<typeof deleteEvent>;

/** A delivery of a type this SDK does not know yet: acknowledged, handed over untyped. */
export interface UnknownEvent {
  type: 'unknown';
  /** The `type` the hub sent. */
  originalType: string;
  id: string;
  installationId: string;
  workspaceId: string;
  channelType: string;
  body: Record<string, unknown>;
}

export type AgentEvent =
  | MessageEvent
  | StatusEvent
  | MembershipEvent
  | ReactionEvent
  | EditEvent
  | DeleteEvent
  | UnknownEvent;
export type AgentEventType = AgentEvent['type'];
export type EventOfType<T extends AgentEventType> = Extract<AgentEvent, { type: T }>;

export const KNOWN_EVENT_TYPES = Object.keys(knownEvents) as Array<keyof typeof knownEvents>;

const envelope = z.object({ type: z.string().min(1), ...envelopeFields }).loose();

export type ParseResult = { ok: true; event: AgentEvent } | { ok: false; error: string };

/**
 * Validates a delivery body (already JSON-decoded). A known type must match its schema; an
 * unknown type needs only the envelope and comes back as `{ type: 'unknown' }`.
 */
export function parseEvent(input: unknown): ParseResult {
  const head = envelope.safeParse(input);
  if (!head.success) return { ok: false, error: z.prettifyError(head.error) };
  const schema = (knownEvents as Record<string, z.ZodType<AgentEvent>>)[head.data.type];
  if (!schema || !Object.hasOwn(knownEvents, head.data.type)) {
    const { type, id, installationId, workspaceId, channelType } = head.data;
    return {
      ok: true,
      event: {
        type: 'unknown',
        originalType: type,
        id,
        installationId,
        workspaceId,
        channelType,
        body: head.data,
      },
    };
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  return { ok: true, event: parsed.data };
}
